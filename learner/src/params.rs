//! Named parameters of any burn [`Module`], and of the Adam optimiser that trains it, as
//! plain `(name, shape, values)` triples for safetensors checkpoints: no hand-written code
//! per layer.
//!
//! A parameter's name is its path in the module tree, the fields and `Vec` indices joined
//! with dots, as burn's derive reports them to a [`ModuleVisitor`] / [`ModuleMapper`]
//! through `enter_module`/`exit_module` (an `Option` adds no level): e.g. `embed.weight`,
//! `blocks.layers.0.pwff.linear_inner.weight`, `out.bias`.
//!
//! - [`named`] exports every float parameter; [`load`] replaces every float parameter of a
//!   module by name, keeping each parameter's [`ParamId`](burn::module::ParamId), device and
//!   autodiff setting, and says in words what is missing, extra or of the wrong shape.
//!   Int and bool parameters are neither exported nor loaded.
//! - [`adam_state`] exports an [`OptimizerAdaptor<Adam, M, B>`]'s per-parameter state (its
//!   moments as tensors `adam.m1.<name>`, `adam.m2.<name>`, and with AMSGrad
//!   `adam.vmax.<name>`, and its step count by parameter name); [`load_adam_state`] puts it
//!   back into an optimiser for a module whose parameters may have other `ParamId`s (a new
//!   process), keyed by name. Parameters that never had a gradient have no state.

use burn::module::{AutodiffModule, Module, ModuleMapper, ModuleVisitor, Param};
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::record::{AdaptorRecord, AdaptorRecordV1};
use burn::optim::{Adam, AdamState, AdaptiveMomentumState, Optimizer};
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Tensor, TensorData};
use std::collections::BTreeMap;

/// Named tensors: `(name, shape, values)`, values in row-major order.
pub type NamedTensors = Vec<(String, Vec<usize>, Vec<f32>)>;

/// The prefix of Adam's first moments.
pub const ADAM_M1: &str = "adam.m1.";
/// The prefix of Adam's second moments.
pub const ADAM_M2: &str = "adam.m2.";
/// The prefix of AMSGrad's running maximum of the second moments.
pub const ADAM_VMAX: &str = "adam.vmax.";

/// The values of a float tensor as `f32`.
fn values<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
    tensor.into_data().iter::<f32>().collect()
}

/// The module path, kept up to date by `enter_module`/`exit_module`.
#[derive(Default)]
struct Path(Vec<String>);

impl Path {
    fn enter(&mut self, name: &str) {
        self.0.push(name.to_string());
    }
    fn exit(&mut self) {
        self.0.pop();
    }
    fn name(&self) -> String {
        self.0.join(".")
    }
}

struct Exporter {
    path: Path,
    out: NamedTensors,
}

impl<B: Backend> ModuleVisitor<B> for Exporter {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let tensor = param.val();
        let shape = tensor.dims().to_vec();
        self.out.push((self.path.name(), shape, values(tensor)));
    }
}

/// Every float parameter of `module`, named by its path, in the module's order.
pub fn named<B: Backend, M: Module<B>>(module: &M) -> NamedTensors {
    let mut exporter = Exporter {
        path: Path::default(),
        out: Vec::new(),
    };
    module.visit(&mut exporter);
    exporter.out
}

/// Shapes and values by name.
type ByName = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// `tensors` by name; an error for a name given twice.
fn by_name(tensors: NamedTensors) -> Result<ByName, String> {
    let mut map = BTreeMap::new();
    for (name, shape, values) in tensors {
        if map.insert(name.clone(), (shape, values)).is_some() {
            return Err(format!("the checkpoint has two tensors named {name}"));
        }
    }
    Ok(map)
}

/// Checks that `values` of `shape` fit a parameter of shape `want`.
fn check(name: &str, shape: &[usize], values: &[f32], want: &[usize]) -> Result<(), String> {
    if shape != want {
        return Err(format!(
            "the checkpoint's {name} has shape {shape:?} but the model's is {want:?}"
        ));
    }
    let count: usize = shape.iter().product();
    if values.len() != count {
        return Err(format!(
            "the checkpoint's {name} has {} values for shape {shape:?} ({count})",
            values.len()
        ));
    }
    Ok(())
}

struct Loader {
    path: Path,
    tensors: ByName,
    errors: Vec<String>,
}

impl<B: Backend> ModuleMapper<B> for Loader {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let name = self.path.name();
        let Some((shape, values)) = self.tensors.remove(&name) else {
            self.errors
                .push(format!("the checkpoint has no tensor {name}"));
            return param;
        };
        // Checked without initialising a lazy parameter.
        let want = param.lazy_shape().to_vec();
        if let Err(e) = check(&name, &shape, &values, &want) {
            self.errors.push(e);
            return param;
        }
        let device = param.lazy_device();
        let tensor = Tensor::<B, D>::from_data(TensorData::new(values, shape), &device);
        let id = param.id;
        // Keeps the id, the device, the autodiff setting and any load mapper.
        param.transform_for_load(tensor, id)
    }
}

/// `module` with every float parameter replaced by the tensor of its name in `tensors`.
///
/// Each parameter keeps its [`ParamId`](burn::module::ParamId). Fails, naming them all, if a
/// parameter has no tensor, a tensor has another shape than its parameter, or a tensor
/// names no parameter.
pub fn load<B: Backend, M: Module<B>>(module: M, tensors: NamedTensors) -> Result<M, String> {
    let mut loader = Loader {
        path: Path::default(),
        tensors: by_name(tensors)?,
        errors: Vec::new(),
    };
    let module = module.map(&mut loader);
    let mut errors = loader.errors;
    errors.extend(
        loader
            .tensors
            .keys()
            .map(|name| format!("the checkpoint has an unknown tensor {name}")),
    );
    if errors.is_empty() {
        Ok(module)
    } else {
        Err(errors.join("; "))
    }
}

/// Adam's state by parameter name, as [`adam_state`] exports it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdamSnapshot {
    /// `adam.m1.<name>`, `adam.m2.<name>` and, with AMSGrad, `adam.vmax.<name>`.
    pub moments: NamedTensors,
    /// The steps each parameter's moments have aggregated (Adam's `t`, for the bias
    /// correction), by parameter name.
    pub steps: BTreeMap<String, usize>,
}

/// One parameter's Adam state as plain values.
struct Moments {
    time: usize,
    m1: Vec<f32>,
    m2: Vec<f32>,
    vmax: Option<Vec<f32>>,
}

fn moments<B: Backend, const N: usize>(state: &AdamState<B, N>) -> Moments {
    let m = &state.momentum;
    Moments {
        time: m.time,
        m1: values(m.moment_1.clone()),
        m2: values(m.moment_2.clone()),
        vmax: m.max_moment_2.clone().map(values),
    }
}

/// The state in a record, whatever its rank.
fn record_moments<B: AutodiffBackend>(record: &AdaptorRecord<Adam, B>) -> Moments {
    match record {
        AdaptorRecord::V1(v1) => match v1 {
            AdaptorRecordV1::Rank0(s) => moments(s),
            AdaptorRecordV1::Rank1(s) => moments(s),
            AdaptorRecordV1::Rank2(s) => moments(s),
            AdaptorRecordV1::Rank3(s) => moments(s),
            AdaptorRecordV1::Rank4(s) => moments(s),
            AdaptorRecordV1::Rank5(s) => moments(s),
            AdaptorRecordV1::Rank6(s) => moments(s),
            AdaptorRecordV1::Rank7(s) => moments(s),
            AdaptorRecordV1::Rank8(s) => moments(s),
        },
    }
}

struct AdamExporter<'a, B: AutodiffBackend, M: AutodiffModule<B>> {
    path: Path,
    records: &'a <OptimizerAdaptor<Adam, M, B> as Optimizer<M, B>>::Record,
    out: AdamSnapshot,
}

impl<B: AutodiffBackend, M: AutodiffModule<B>> ModuleVisitor<B> for AdamExporter<'_, B, M> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let Some(record) = self.records.get(&param.id) else {
            return;
        };
        let name = self.path.name();
        let shape = param.lazy_shape().to_vec();
        let m = record_moments(record);
        let moments = &mut self.out.moments;
        moments.push((format!("{ADAM_M1}{name}"), shape.clone(), m.m1));
        moments.push((format!("{ADAM_M2}{name}"), shape.clone(), m.m2));
        if let Some(vmax) = m.vmax {
            moments.push((format!("{ADAM_VMAX}{name}"), shape, vmax));
        }
        self.out.steps.insert(name, m.time);
    }
}

/// The state `optim` keeps for `module`'s parameters, by parameter name.
pub fn adam_state<B: AutodiffBackend, M: AutodiffModule<B>>(
    module: &M,
    optim: &OptimizerAdaptor<Adam, M, B>,
) -> AdamSnapshot {
    let records = optim.to_record();
    let mut exporter = AdamExporter::<B, M> {
        path: Path::default(),
        records: &records,
        out: AdamSnapshot::default(),
    };
    module.visit(&mut exporter);
    exporter.out
}

struct AdamLoader<'a, B: AutodiffBackend, M: AutodiffModule<B>> {
    path: Path,
    tensors: ByName,
    steps: BTreeMap<String, usize>,
    records: &'a mut <OptimizerAdaptor<Adam, M, B> as Optimizer<M, B>>::Record,
    errors: Vec<String>,
}

impl<B: AutodiffBackend, M: AutodiffModule<B>> AdamLoader<'_, B, M> {
    /// The moment `prefix + name` as a tensor of the parameter's shape, if it is there.
    fn take<const D: usize>(
        &mut self,
        prefix: &str,
        name: &str,
        want: &[usize],
        device: &B::Device,
    ) -> Result<Option<Tensor<B::InnerBackend, D>>, String> {
        let key = format!("{prefix}{name}");
        let Some((shape, values)) = self.tensors.remove(&key) else {
            return Ok(None);
        };
        check(&key, &shape, &values, want)?;
        let data = TensorData::new(values, shape);
        Ok(Some(Tensor::from_data(data, device)))
    }

    fn state<const D: usize>(
        &mut self,
        name: &str,
        param: &Param<Tensor<B, D>>,
    ) -> Result<Option<AdaptorRecord<Adam, B>>, String> {
        let want = param.lazy_shape().to_vec();
        let device = param.lazy_device();
        let m1 = self.take::<D>(ADAM_M1, name, &want, &device)?;
        let m2 = self.take::<D>(ADAM_M2, name, &want, &device)?;
        let vmax = self.take::<D>(ADAM_VMAX, name, &want, &device)?;
        let time = self.steps.remove(name);
        let (moment_1, moment_2, time) = match (m1, m2, time) {
            (None, None, None) if vmax.is_none() => return Ok(None),
            (Some(m1), Some(m2), Some(time)) => (m1, m2, time),
            _ => {
                return Err(format!(
                    "the checkpoint's Adam state for {name} is incomplete: it needs {ADAM_M1}{name}, {ADAM_M2}{name} and a step count"
                ))
            }
        };
        // AdaptorRecord::from_state handles ranks 0 to 8 (and panics beyond).
        if D > 8 {
            return Err(format!(
                "{name} has rank {D}: burn's optimiser records hold ranks up to 8"
            ));
        }
        let state = AdamState {
            momentum: AdaptiveMomentumState {
                time,
                moment_1,
                moment_2,
                max_moment_2: vmax,
            },
        };
        Ok(Some(AdaptorRecord::from_state::<D>(state)))
    }
}

impl<B: AutodiffBackend, M: AutodiffModule<B>> ModuleVisitor<B> for AdamLoader<'_, B, M> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.enter(name);
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let name = self.path.name();
        match self.state(&name, param) {
            Ok(Some(record)) => {
                self.records.insert(param.id, record);
            }
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
    }
}

/// `optim` with the state in `snapshot` for `module`'s parameters, matched by name (so the
/// parameters' [`ParamId`](burn::module::ParamId)s may differ from those at export). Any
/// state `optim` had is dropped; parameters without state in `snapshot` start afresh.
///
/// Fails, naming them all, on a moment of the wrong shape, a parameter with part of its
/// state, or a moment or step count that names no parameter.
pub fn load_adam_state<B: AutodiffBackend, M: AutodiffModule<B>>(
    optim: OptimizerAdaptor<Adam, M, B>,
    module: &M,
    snapshot: AdamSnapshot,
) -> Result<OptimizerAdaptor<Adam, M, B>, String> {
    let mut records = optim.to_record();
    records.clear();
    let mut loader = AdamLoader::<B, M> {
        path: Path::default(),
        tensors: by_name(snapshot.moments)?,
        steps: snapshot.steps,
        records: &mut records,
        errors: Vec::new(),
    };
    module.visit(&mut loader);
    let mut errors = loader.errors;
    errors.extend(
        loader
            .tensors
            .keys()
            .map(|name| format!("the checkpoint has an unknown tensor {name}")),
    );
    errors.extend(loader.steps.keys().map(|name| {
        format!("the checkpoint has an Adam step count for an unknown parameter {name}")
    }));
    if errors.is_empty() {
        Ok(optim.load_record(records))
    } else {
        Err(errors.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transformer::{TransformerConfig, TransformerEncoder};
    use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
    use burn::optim::{AdamConfig, GradientsParams};
    use burn::tensor::Int;

    type Cpu = burn::backend::Flex;
    type Train = burn::backend::Autodiff<Cpu>;

    #[derive(Module, Debug)]
    struct Small<B: Backend> {
        embed: Embedding<B>,
        layers: Vec<Linear<B>>,
        out: Linear<B>,
    }

    impl<B: Backend> Small<B> {
        fn new(device: &B::Device) -> Self {
            Self {
                embed: EmbeddingConfig::new(10, 4).init(device),
                layers: vec![
                    LinearConfig::new(4, 6).init(device),
                    LinearConfig::new(6, 4).with_bias(false).init(device),
                ],
                out: LinearConfig::new(4, 3).init(device),
            }
        }

        fn forward(&self, tokens: Tensor<B, 2, Int>) -> Tensor<B, 2> {
            let [rows, _] = tokens.dims();
            let mut x = self.embed.forward(tokens).sum_dim(1).reshape([rows, 4]);
            for l in &self.layers {
                x = burn::tensor::activation::relu(l.forward(x));
            }
            self.out.forward(x)
        }
    }

    fn names(t: &NamedTensors) -> Vec<&str> {
        t.iter().map(|(n, _, _)| n.as_str()).collect()
    }

    #[test]
    fn names_are_module_paths() {
        let device = Default::default();
        let t = named(&Small::<Cpu>::new(&device));
        assert_eq!(
            names(&t),
            [
                "embed.weight",
                "layers.0.weight",
                "layers.0.bias",
                "layers.1.weight",
                "out.weight",
                "out.bias"
            ]
        );
        assert_eq!(t[0].1, vec![10, 4]);
        assert_eq!(t[0].2.len(), 40);
        let enc = named(&TransformerEncoder::<Cpu>::new(
            &TransformerConfig::default(),
            8,
            16,
            &device,
        ));
        let n = names(&enc);
        assert!(n.contains(&"embed.weight"));
        assert!(n.contains(&"position.weight"));
        assert!(n.contains(&"blocks.layers.1.pwff.linear_inner.weight"));
        assert!(n.contains(&"blocks.layers.0.mha.query.weight"));
        assert!(n.contains(&"norm.gamma"));
        assert!(n.contains(&"out.bias"));
    }

    #[test]
    fn round_trip_small() {
        let device = Default::default();
        let a = Small::<Cpu>::new(&device);
        let b = Small::<Cpu>::new(&device);
        assert_ne!(named(&a), named(&b));
        let ids: Vec<_> = b.layers.iter().map(|l| l.weight.id).collect();
        let b = load(b, named(&a)).unwrap();
        assert_eq!(named(&a), named(&b));
        // Ids are kept.
        assert_eq!(
            ids,
            b.layers.iter().map(|l| l.weight.id).collect::<Vec<_>>()
        );
        let tokens = Tensor::<Cpu, 2, Int>::from_data([[1, 2], [3, 9]], &device);
        assert_eq!(
            a.forward(tokens.clone()).into_data(),
            b.forward(tokens).into_data()
        );
    }

    #[test]
    fn round_trip_transformer_on_autodiff() {
        let device = Default::default();
        let cfg = TransformerConfig::default();
        let a = TransformerEncoder::<Train>::new(&cfg, 8, 16, &device);
        let b = TransformerEncoder::<Train>::new(&cfg, 8, 16, &device);
        let b = load(b, named(&a)).unwrap();
        assert_eq!(named(&a), named(&b));
        // Still trainable: the loaded parameters require gradients.
        let tokens = Tensor::<Train, 2, Int>::from_data([[1, 2, 3, 4, 5, 6, 7, 8]], &device);
        let grads = b.forward(tokens).sum().backward();
        let grads = GradientsParams::from_grads(grads, &b);
        assert_eq!(grads.len(), named(&b).len());
    }

    #[test]
    fn errors_in_words() {
        let device = Default::default();
        let a = Small::<Cpu>::new(&device);
        let mut t = named(&a);
        t[1].1 = vec![6, 4];
        let e = load(Small::<Cpu>::new(&device), t).unwrap_err();
        assert!(
            e.contains("layers.0.weight has shape [6, 4] but the model's is [4, 6]"),
            "{e}"
        );

        let mut t = named(&a);
        t.retain(|(n, _, _)| n != "out.bias");
        t.push(("out.extra".into(), vec![1], vec![0.0]));
        let e = load(Small::<Cpu>::new(&device), t).unwrap_err();
        assert!(e.contains("no tensor out.bias"), "{e}");
        assert!(e.contains("unknown tensor out.extra"), "{e}");

        let mut t = named(&a);
        t[0].2.pop();
        let e = load(Small::<Cpu>::new(&device), t).unwrap_err();
        assert!(e.contains("has 39 values for shape [10, 4] (40)"), "{e}");

        let mut t = named(&a);
        t.push(t[0].clone());
        let e = load(Small::<Cpu>::new(&device), t).unwrap_err();
        assert!(e.contains("two tensors named embed.weight"), "{e}");
    }

    fn step(
        model: Small<Train>,
        opt: &mut OptimizerAdaptor<Adam, Small<Train>, Train>,
        i: i64,
    ) -> Small<Train> {
        let device = Default::default();
        let tokens = Tensor::<Train, 2, Int>::from_data([[i % 10, (i * 3) % 10], [7, 1]], &device);
        let loss = model.forward(tokens).powi_scalar(2).mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        opt.step(1e-2, model, grads)
    }

    fn adam_round_trip(config: AdamConfig) {
        let device = Default::default();
        let mut a = Small::<Train>::new(&device);
        let mut opt_a = config.init::<Train, Small<Train>>();
        for i in 0..3 {
            a = step(a, &mut opt_a, i);
        }
        let snapshot = adam_state(&a, &opt_a);
        assert_eq!(snapshot.steps.get("layers.1.weight"), Some(&3));
        assert!(snapshot
            .moments
            .iter()
            .any(|(n, _, _)| n == "adam.m2.embed.weight"));

        // A "new process": fresh ids, parameters and optimiser restored by name.
        let b = load(Small::<Train>::new(&device), named(&a)).unwrap();
        let opt_b = load_adam_state(config.init(), &b, snapshot.clone()).unwrap();
        assert_eq!(adam_state(&b, &opt_b), snapshot);
        let mut opt_b = opt_b;
        let (a, b) = (step(a, &mut opt_a, 3), step(b, &mut opt_b, 3));
        // The same step as if never interrupted (a fresh optimiser would differ).
        for ((n, _, x), (_, _, y)) in named(&a).iter().zip(named(&b).iter()) {
            for (x, y) in x.iter().zip(y) {
                assert!((x - y).abs() < 1e-6, "{n}: {x} vs {y}");
            }
        }
        let c = load(Small::<Train>::new(&device), named(&a)).unwrap();
        let mut fresh = config.init();
        let c = step(c, &mut fresh, 4);
        let a = step(a, &mut opt_a, 4);
        assert_ne!(named(&a), named(&c));
    }

    #[test]
    fn adam_state_round_trip() {
        adam_round_trip(AdamConfig::new());
    }

    #[test]
    fn adam_state_round_trip_amsgrad() {
        adam_round_trip(AdamConfig::new().with_amsgrad(true));
    }

    #[test]
    fn adam_state_errors() {
        let device = Default::default();
        let mut a = Small::<Train>::new(&device);
        let mut opt = AdamConfig::new().init::<Train, Small<Train>>();
        a = step(a, &mut opt, 0);
        let snapshot = adam_state(&a, &opt);

        let mut s = snapshot.clone();
        s.moments.retain(|(n, _, _)| n != "adam.m2.out.bias");
        s.steps.insert("gone.weight".into(), 1);
        let e = load_adam_state(AdamConfig::new().init(), &a, s)
            .err()
            .unwrap();
        assert!(e.contains("Adam state for out.bias is incomplete"), "{e}");
        assert!(e.contains("unknown parameter gone.weight"), "{e}");

        let mut s = snapshot;
        s.moments[0].1 = vec![4, 10];
        s.moments
            .push(("adam.m1.nothing".into(), vec![1], vec![0.0]));
        let e = load_adam_state(AdamConfig::new().init(), &a, s)
            .err()
            .unwrap();
        assert!(
            e.contains("adam.m1.embed.weight has shape [4, 10] but the model's is [10, 4]"),
            "{e}"
        );
        assert!(e.contains("unknown tensor adam.m1.nothing"), "{e}");
    }
}
