//! The node's services: client, transaction pool, networking, Aura block authoring and
//! the GRANDPA finality voter.

use futures::FutureExt;
use mindnet_runtime::{apis::RuntimeApi, opaque::Block};
use sc_client_api::{Backend, BlockBackend};
use sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams};
use sc_consensus_grandpa::SharedVoterState;
use sc_service::{
    config::PrometheusConfig, error::Error as ServiceError, Configuration, KeystoreContainer, Role,
    TaskManager, WarpSyncConfig,
};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use sp_consensus_aura::sr25519::{AuthorityId as AuraId, AuthorityPair as AuraPair};
use std::{sync::Arc, time::Duration};

/// The client, executing the runtime's wasm only.
pub(crate) type FullClient = sc_service::TFullClient<
    Block,
    RuntimeApi,
    sc_executor::WasmExecutor<sp_io::SubstrateHostFunctions>,
>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;
type FullPool = sc_transaction_pool::TransactionPoolHandle<Block, FullClient>;
type GrandpaImport =
    sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>;

/// Blocks between GRANDPA justifications that are imported and generated.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// The parts every command needs.
pub type Service = sc_service::PartialComponents<
    FullClient,
    FullBackend,
    FullSelectChain,
    sc_consensus::DefaultImportQueue<Block>,
    FullPool,
    (
        GrandpaImport,
        sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
        Option<Telemetry>,
    ),
>;

/// Aura's inherent data: the timestamp and the slot it falls in.
fn aura_inherents(
    slot_duration: sp_consensus_aura::SlotDuration,
) -> (
    sp_consensus_aura::inherents::InherentDataProvider,
    sp_timestamp::InherentDataProvider,
) {
    let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
    let slot = sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
        *timestamp,
        slot_duration,
    );
    (slot, timestamp)
}

/// Builds the client, backend, import queue and transaction pool.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
    let telemetry = config
        .telemetry_endpoints
        .clone()
        .filter(|x| !x.is_empty())
        .map(|endpoints| -> Result<_, sc_telemetry::Error> {
            let worker = TelemetryWorker::new(16)?;
            let telemetry = worker.handle().new_telemetry(endpoints);
            Ok((worker, telemetry))
        })
        .transpose()?;

    let executor = sc_service::new_wasm_executor::<sp_io::SubstrateHostFunctions>(&config.executor);
    let (client, backend, keystore_container, task_manager) =
        sc_service::new_full_parts::<Block, RuntimeApi, _>(
            config,
            telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
            executor,
            Vec::new(),
        )?;
    let client = Arc::new(client);

    let telemetry = telemetry.map(|(worker, telemetry)| {
        task_manager
            .spawn_handle()
            .spawn("telemetry", None, worker.run());
        telemetry
    });

    let select_chain = sc_consensus::LongestChain::new(backend.clone());

    let transaction_pool = Arc::from(
        sc_transaction_pool::Builder::new(
            task_manager.spawn_essential_handle(),
            client.clone(),
            config.role.is_authority().into(),
        )
        .with_options(config.transaction_pool.clone())
        .with_prometheus(config.prometheus_registry())
        .build(),
    );

    let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
        client.clone(),
        GRANDPA_JUSTIFICATION_PERIOD,
        &client,
        select_chain.clone(),
        telemetry.as_ref().map(|x| x.handle()),
    )?;

    let cidp_client = client.clone();
    let import_queue =
        sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(ImportQueueParams {
            block_import: grandpa_block_import.clone(),
            justification_import: Some(Box::new(grandpa_block_import.clone())),
            client: client.clone(),
            create_inherent_data_providers: move |parent_hash, _| {
                let cidp_client = cidp_client.clone();
                async move {
                    let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
                        &*cidp_client,
                        parent_hash,
                    )?;
                    Ok(aura_inherents(slot_duration))
                }
            },
            spawner: &task_manager.spawn_essential_handle(),
            registry: config.prometheus_registry(),
            check_for_equivocation: Default::default(),
            telemetry: telemetry.as_ref().map(|x| x.handle()),
            compatibility_mode: Default::default(),
        })?;

    Ok(sc_service::PartialComponents {
        client,
        backend,
        task_manager,
        import_queue,
        keystore_container,
        select_chain,
        transaction_pool,
        other: (grandpa_block_import, grandpa_link, telemetry),
    })
}

/// The network's configuration with GRANDPA's gossip protocol added, and what the voter and
/// warp sync need of it.
struct NetworkSetup<
    N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
> {
    net_config: sc_network::config::FullNetworkConfiguration<
        Block,
        <Block as sp_runtime::traits::Block>::Hash,
        N,
    >,
    metrics: sc_network::NotificationMetrics,
    warp_sync: WarpSyncConfig<Block>,
    grandpa_protocol_name: sc_network::ProtocolName,
    grandpa_notification_service: Box<dyn sc_network::NotificationService>,
}

/// Step 1: the network configuration, GRANDPA's notification protocol (named after the
/// genesis hash and the chain spec) and the warp sync proofs from GRANDPA's authority set.
fn network_setup<
    N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
    config: &Configuration,
    client: &FullClient,
    backend: &Arc<FullBackend>,
    grandpa_link: &sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
) -> Result<NetworkSetup<N>, ServiceError> {
    let mut net_config = sc_network::config::FullNetworkConfiguration::<
        Block,
        <Block as sp_runtime::traits::Block>::Hash,
        N,
    >::new(&config.network, config.prometheus_registry().cloned());
    let metrics = N::register_notification_metrics(config.prometheus_registry());

    let peer_store_handle = net_config.peer_store_handle();
    let genesis_hash = client
        .block_hash(0)
        .ok()
        .flatten()
        .ok_or_else(|| ServiceError::Other("the genesis block is missing".into()))?;
    let grandpa_protocol_name =
        sc_consensus_grandpa::protocol_standard_name(&genesis_hash, &config.chain_spec);
    let (grandpa_protocol_config, grandpa_notification_service) =
        sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
            grandpa_protocol_name.clone(),
            metrics.clone(),
            peer_store_handle,
        );
    net_config.add_notification_protocol(grandpa_protocol_config);

    let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
        backend.clone(),
        grandpa_link.shared_authority_set().clone(),
        Vec::default(),
    ));
    Ok(NetworkSetup {
        net_config,
        metrics,
        warp_sync: WarpSyncConfig::WithProvider(warp_sync),
        grandpa_protocol_name,
        grandpa_notification_service,
    })
}

/// Step 2: the offchain workers, when the configuration enables them.
fn start_offchain_workers(
    config: &Configuration,
    task_manager: &TaskManager,
    client: &Arc<FullClient>,
    backend: &FullBackend,
    keystore_container: &KeystoreContainer,
    transaction_pool: &Arc<FullPool>,
    network: &Arc<dyn sc_network::service::traits::NetworkService>,
) -> Result<(), ServiceError> {
    if !config.offchain_worker.enabled {
        return Ok(());
    }
    let offchain_workers = sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
        runtime_api_provider: client.clone(),
        is_validator: config.role.is_authority(),
        keystore: Some(keystore_container.keystore()),
        offchain_db: backend.offchain_storage(),
        transaction_pool: Some(OffchainTransactionPoolFactory::new(
            transaction_pool.clone(),
        )),
        network_provider: Arc::new(network.clone()),
        enable_http_requests: true,
        custom_extensions: |_| vec![],
    })?;
    task_manager.spawn_handle().spawn(
        "offchain-workers-runner",
        "offchain-worker",
        offchain_workers
            .run(client.clone(), task_manager.spawn_handle())
            .boxed(),
    );
    Ok(())
}

/// Step 3: the node's RPC extensions ([`crate::rpc`]) on `client` and `pool`, built for each
/// RPC server from its subscription executor `E`.
fn rpc_extensions<E>(
    client: Arc<FullClient>,
    pool: Arc<FullPool>,
) -> impl Fn(E) -> Result<jsonrpsee::RpcModule<()>, ServiceError> {
    move |_| {
        let deps = crate::rpc::FullDeps {
            client: client.clone(),
            pool: pool.clone(),
        };
        crate::rpc::create_full(deps).map_err(Into::into)
    }
}

/// What authoring and finality take from the configuration before `spawn_tasks` consumes
/// it.
struct ConsensusSettings {
    role: Role,
    force_authoring: bool,
    name: String,
    enable_grandpa: bool,
    /// The Prometheus endpoint, for its registry.
    prometheus: Option<PrometheusConfig>,
}

impl ConsensusSettings {
    fn of(config: &Configuration) -> Self {
        Self {
            role: config.role,
            force_authoring: config.force_authoring,
            name: config.network.node_name.clone(),
            enable_grandpa: !config.disable_grandpa,
            prometheus: config.prometheus_config.clone(),
        }
    }
}

/// The chain Aura authors on.
struct AuraChain<S> {
    client: Arc<FullClient>,
    select_chain: FullSelectChain,
    block_import: GrandpaImport,
    transaction_pool: Arc<FullPool>,
    /// The syncing service: Aura's sync oracle and justification sync link.
    sync: S,
}

/// Step 4 (an authority): Aura block authoring, an essential task: if it fails, the node
/// stops.
fn start_aura<S>(
    task_manager: &TaskManager,
    chain: AuraChain<S>,
    keystore_container: &KeystoreContainer,
    settings: &ConsensusSettings,
    telemetry: Option<&Telemetry>,
) -> Result<(), ServiceError>
where
    S: sc_consensus_aura::SyncOracle
        + sc_consensus::JustificationSyncLink<Block>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let AuraChain {
        client,
        select_chain,
        block_import,
        transaction_pool,
        sync,
    } = chain;
    let proposer_factory = sc_basic_authorship::ProposerFactory::new(
        task_manager.spawn_handle(),
        client.clone(),
        transaction_pool,
        settings.prometheus.as_ref().map(|p| &p.registry),
        telemetry.map(|x| x.handle()),
    );

    let slot_duration = sc_consensus_aura::slot_duration::<AuraId, _, _>(&*client)?;
    let aura =
        sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(StartAuraParams {
            slot_duration,
            client,
            select_chain,
            block_import,
            proposer_factory,
            create_inherent_data_providers: move |_, ()| async move {
                Ok(aura_inherents(slot_duration))
            },
            force_authoring: settings.force_authoring,
            backoff_authoring_blocks: Option::<()>::None,
            keystore: keystore_container.keystore(),
            sync_oracle: sync.clone(),
            justification_sync_link: sync,
            block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
            max_block_proposal_slot_portion: None,
            telemetry: telemetry.map(|x| x.handle()),
            compatibility_mode: Default::default(),
        })?;
    task_manager
        .spawn_essential_handle()
        .spawn_blocking("aura", Some("block-authoring"), aura);
    Ok(())
}

/// GRANDPA's settings: only an authority votes; others follow finality without a keystore.
fn grandpa_config(
    settings: &ConsensusSettings,
    keystore_container: &KeystoreContainer,
    protocol_name: sc_network::ProtocolName,
    telemetry: Option<&Telemetry>,
) -> sc_consensus_grandpa::Config {
    let keystore = if settings.role.is_authority() {
        Some(keystore_container.keystore())
    } else {
        None
    };
    sc_consensus_grandpa::Config {
        gossip_duration: Duration::from_millis(333),
        justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
        name: Some(settings.name.clone()),
        observer_enabled: false,
        keystore,
        local_role: settings.role,
        telemetry: telemetry.map(|x| x.handle()),
        protocol_name,
    }
}

/// Builds and starts a full node (an authority when run with `--validator` or `--dev`):
/// the network, the offchain workers, the RPC and the service's tasks, Aura authoring and
/// the GRANDPA voter.
pub fn new_full<
    N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
    config: Configuration,
) -> Result<TaskManager, ServiceError> {
    let sc_service::PartialComponents {
        client,
        backend,
        mut task_manager,
        import_queue,
        keystore_container,
        select_chain,
        transaction_pool,
        other: (block_import, grandpa_link, mut telemetry),
    } = new_partial(&config)?;

    let net = network_setup::<N>(&config, &client, &backend, &grandpa_link)?;
    let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
        sc_service::build_network(sc_service::BuildNetworkParams {
            config: &config,
            net_config: net.net_config,
            client: client.clone(),
            transaction_pool: transaction_pool.clone(),
            spawn_handle: task_manager.spawn_handle(),
            spawn_essential_handle: task_manager.spawn_essential_handle(),
            import_queue,
            block_announce_validator_builder: None,
            warp_sync_config: Some(net.warp_sync),
            block_relay: None,
            metrics: net.metrics,
            gap_sync_body_policy: None,
        })?;

    start_offchain_workers(
        &config,
        &task_manager,
        &client,
        &backend,
        &keystore_container,
        &transaction_pool,
        &network,
    )?;

    // Step 3: the RPC (Substrate's methods and the node's extensions) and the service's
    // tasks; the configuration is consumed here.
    let settings = ConsensusSettings::of(&config);
    let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
        network: network.clone(),
        client: client.clone(),
        keystore: keystore_container.keystore(),
        task_manager: &mut task_manager,
        transaction_pool: transaction_pool.clone(),
        rpc_builder: Box::new(rpc_extensions(client.clone(), transaction_pool.clone())),
        backend,
        system_rpc_tx,
        tx_handler_controller,
        sync_service: sync_service.clone(),
        config,
        telemetry: telemetry.as_mut(),
        tracing_execute_block: None,
    })?;

    if settings.role.is_authority() {
        let chain = AuraChain {
            client,
            select_chain,
            block_import,
            transaction_pool: transaction_pool.clone(),
            sync: sync_service.clone(),
        };
        start_aura(
            &task_manager,
            chain,
            &keystore_container,
            &settings,
            telemetry.as_ref(),
        )?;
    }

    // Step 5: the GRANDPA voter, essential too.
    if settings.enable_grandpa {
        let grandpa_params = sc_consensus_grandpa::GrandpaParams {
            config: grandpa_config(
                &settings,
                &keystore_container,
                net.grandpa_protocol_name,
                telemetry.as_ref(),
            ),
            link: grandpa_link,
            network,
            sync: Arc::new(sync_service),
            notification_service: net.grandpa_notification_service,
            voting_rule: sc_consensus_grandpa::VotingRulesBuilder::default().build(),
            prometheus_registry: settings.prometheus.map(|p| p.registry),
            shared_voter_state: SharedVoterState::empty(),
            telemetry: telemetry.as_ref().map(|x| x.handle()),
            offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
        };
        task_manager.spawn_essential_handle().spawn_blocking(
            "grandpa-voter",
            None,
            sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
        );
    }

    Ok(task_manager)
}
