//! The runtime's commit hash for fixed inputs: `mindnet-client` computes the same value
//! (`commits::tests::the_hash_is_the_pallets`), so a wallet's commit can be revealed.

use mindnet_runtime::AccountId;

/// The hash both sides must produce.
const EXPECTED: &str = "49d6f7e3a2fecf4cd1cf3562047338538b659ee287ceb459b593c48e81456bad";

#[test]
fn the_commit_hash_of_fixed_inputs_is_the_clients() {
    let hotkey = AccountId::new([1; 32]);
    let hash = pallet_mindnet::commit_hash(&hotkey, 3, &[1, 2], &[10, 20], 7, &[9; 32]);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, EXPECTED);
}
