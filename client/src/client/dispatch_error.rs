//! A failed call's `DispatchError` in words: `Pallet.Variant — its doc line`.

use crate::runtime;

/// `Pallet.Variant — its doc line` (without the dash when the variant has no docs).
fn error_words(pallet: &str, variant: &str, docs: &[String]) -> String {
    let docs = docs.join(" ");
    let docs = docs.trim();
    if docs.is_empty() {
        format!("{pallet}.{variant}")
    } else {
        format!("{pallet}.{variant} — {docs}")
    }
}

/// A `DispatchError` in words: `Pallet.Variant — its doc line`.
pub fn describe_dispatch_error(error: &subxt::error::DispatchError) -> String {
    use subxt::error::DispatchError;
    match error {
        DispatchError::Module(m) => match m.details() {
            Ok(d) => error_words(d.pallet.name(), &d.variant.name, &d.variant.docs),
            Err(_) => format!("an unknown module error {:?}", m.bytes()),
        },
        other => other.to_string(),
    }
}

/// A `DispatchError` reported inside an event (as `Sudo.Sudid` does), in words.
pub(crate) fn describe_inner_error(
    metadata: &subxt::Metadata,
    error: &runtime::runtime_types::sp_runtime::DispatchError,
) -> String {
    use runtime::runtime_types::sp_runtime::DispatchError as E;
    match error {
        E::Module(m) => metadata
            .pallet_by_error_index(m.index)
            .and_then(|p| {
                let v = p.error_variant_by_index(m.error[0])?;
                Some(error_words(p.name(), &v.name, &v.docs))
            })
            .unwrap_or_else(|| format!("an unknown module error {m:?}")),
        other => format!("{other:?}"),
    }
}
