//! Where training runs: burn's flex CPU backend, or an NVIDIA GPU in a build with
//! `--features cuda`.

use crate::error::{Error, Result};
use crate::run::{self, Options, Summary};
use serde::Deserialize;

/// `--device`: the backend to train on, burn's flex on the CPU or CUDA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceKind {
    // No doc comments on the variants: clap would list them in `--help`.
    Cpu,
    Cuda,
}

/// Trains on `device` (see [`run::run`]); CUDA is probed first, and refused in words by a
/// build without it.
pub fn train(opts: Options, device: DeviceKind) -> Result<Summary> {
    match device {
        DeviceKind::Cpu => run::run::<crate::CpuTrain>(opts, Default::default()),
        #[cfg(feature = "cuda")]
        DeviceKind::Cuda => {
            cuda_probe()?;
            run::run::<crate::CudaTrain>(opts, Default::default())
        }
        #[cfg(not(feature = "cuda"))]
        DeviceKind::Cuda => Err(Error::usage(
            "this mindnet-learner was built without CUDA: rebuild with `cargo build --release -p mindnet-learner --features cuda`, or use --device cpu",
        )),
    }
}

/// Whether a CUDA device answers: a tiny tensor made and read back, with the backend's
/// panics (no driver, no device) turned into one sentence.
#[cfg(feature = "cuda")]
fn cuda_probe() -> Result<()> {
    use burn::tensor::Tensor;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|info| tracing::debug!("CUDA probe: {info}")));
    let ok = std::panic::catch_unwind(|| {
        let device = Default::default();
        let t = Tensor::<burn::backend::Cuda, 1>::from_floats([1.0, 2.0], &device);
        t.sum().into_scalar()
    });
    std::panic::set_hook(hook);
    match ok {
        Ok(_) => Ok(()),
        Err(_) => Err(Error::usage(
            "--device cuda found no usable NVIDIA GPU (no CUDA driver libcuda, or no device; MINDNET_LOG=debug says which): use --device cpu",
        )),
    }
}
