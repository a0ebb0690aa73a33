//! Dispatches the command line to the node or a subcommand.

use crate::{
    chain_spec,
    cli::{Cli, Subcommand},
    service,
};
use mindnet_runtime::opaque::Block;
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;
use sp_core::crypto::Ss58AddressFormat;

impl SubstrateCli for Cli {
    fn impl_name() -> String {
        "Mindnet Node".into()
    }

    fn impl_version() -> String {
        env!("SUBSTRATE_CLI_IMPL_VERSION").into()
    }

    fn description() -> String {
        env!("CARGO_PKG_DESCRIPTION").into()
    }

    fn author() -> String {
        env!("CARGO_PKG_AUTHORS").into()
    }

    fn support_url() -> String {
        "https://example.invalid/mindnet/issues".into()
    }

    fn copyright_start_year() -> i32 {
        2026
    }

    fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
        Ok(match id {
            "dev" | "" => Box::new(chain_spec::development_chain_spec()?),
            "local" => Box::new(chain_spec::local_chain_spec()?),
            "testnet" => Box::new(chain_spec::testnet_chain_spec()?),
            "scale" => Box::new(chain_spec::scale_chain_spec()?),
            path => Box::new(
                chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path)).map_err(
                    |e| {
                        format!(
                            "cannot load chain spec '{path}': {e}. Use dev, local, testnet, \
                         scale or the path of a JSON chain spec such as chain-specs/testnet.json"
                        )
                    },
                )?,
            ),
        })
    }
}

/// The run options, with a node key generated when none is given on the one-machine chains
/// (`local`, `scale`): their validators start as typed (`--chain scale --alice --validator
/// --tmp`) instead of stopping with `NetworkKeyNotFound`. `--dev` does the same already;
/// other chains (a testnet or a chain spec file) still require a kept node key
/// (`mindnet-node key generate-node-key`), since peers know a validator by it.
fn one_machine_node_key(run: &sc_cli::RunCmd) -> sc_cli::RunCmd {
    let mut run = run.clone();
    if matches!(run.shared_params.chain.as_deref(), Some("local" | "scale")) {
        run.network_params
            .node_key_params
            .unsafe_force_node_key_generation = true;
    }
    run
}

/// Parses the command line and runs it.
pub fn run() -> sc_cli::Result<()> {
    let cli = Cli::from_args();
    // Print addresses (`key generate`, `key inspect`, logs) in Mindnet's SS58 format and
    // accept it when parsing them (RPC parameters); addresses in a registered format such as
    // the generic Substrate 42 are still accepted. 7734 is not in the SS58 registry, so
    // without this the node would reject its own chain's addresses.
    sp_core::crypto::set_default_ss58_version(Ss58AddressFormat::custom(
        mindnet_runtime::SS58_PREFIX,
    ));

    match &cli.subcommand {
        Some(Subcommand::Key(cmd)) => cmd.run(&cli),
        Some(Subcommand::BuildSpec(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
        }
        Some(Subcommand::ExportChainSpec(cmd)) => {
            let chain_spec = cli.load_spec(&cmd.chain)?;
            cmd.run(chain_spec)
        }
        Some(Subcommand::CheckBlock(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    import_queue,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::ExportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.database), task_manager))
            })
        }
        Some(Subcommand::ExportState(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.chain_spec), task_manager))
            })
        }
        Some(Subcommand::ImportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    import_queue,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::PurgeChain(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.database))
        }
        Some(Subcommand::Revert(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    backend,
                    ..
                } = service::new_partial(&config)?;
                let aux_revert = Box::new(|client, _, blocks| {
                    sc_consensus_grandpa::revert(client, blocks)?;
                    Ok(())
                });
                Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
            })
        }
        Some(Subcommand::ChainInfo(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run::<Block>(&config))
        }
        #[cfg(feature = "runtime-benchmarks")]
        Some(Subcommand::Benchmark(crate::cli::BenchmarkCmd::Pallet(cmd))) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| {
                cmd.run_with_spec::<sp_runtime::traits::BlakeTwo256, ()>(Some(config.chain_spec))
            })
        }
        None => {
            let run = one_machine_node_key(&cli.run);
            let runner = cli.create_runner(&run)?;
            runner.run_node_until_exit(|config| async move {
                match config.network.network_backend {
                    sc_network::config::NetworkBackendType::Libp2p => service::new_full::<
                        sc_network::NetworkWorker<
                            mindnet_runtime::opaque::Block,
                            <mindnet_runtime::opaque::Block as sp_runtime::traits::Block>::Hash,
                        >,
                    >(config)
                    .map_err(sc_cli::Error::Service),
                    sc_network::config::NetworkBackendType::Litep2p => {
                        service::new_full::<sc_network::Litep2pNetworkBackend>(config)
                            .map_err(sc_cli::Error::Service)
                    }
                }
            })
        }
    }
}
