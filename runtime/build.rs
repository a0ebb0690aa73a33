//! Builds the runtime's WebAssembly blob (skipped with `SKIP_WASM_BUILD=1`).
fn main() {
    #[cfg(feature = "std")]
    {
        // The target directory lives outside the workspace, where the wasm builder would
        // not find Cargo.lock: point it at the workspace so the wasm build uses the same
        // pinned dependency versions as the native one. Set here rather than globally so
        // that other runtimes in the dependency tree keep their own lookup.
        if std::env::var_os("WASM_BUILD_WORKSPACE_HINT").is_none() {
            std::env::set_var(
                "WASM_BUILD_WORKSPACE_HINT",
                concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
            );
        }
        substrate_wasm_builder::WasmBuilder::build_using_defaults();
    }
}
