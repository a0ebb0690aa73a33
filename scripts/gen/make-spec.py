#!/usr/bin/env python3
"""Puts the public keys of a keys file into a plain (non-raw) Mindnet chain spec.

    scripts/gen/make-spec.py --keys KEYS.json [--name NAME] [--id ID] [--protocol-id ID] \\
        PLAIN_IN.json PLAIN_OUT.json

scripts/gen/chain-specs.sh runs it between `mindnet-node build-spec --chain local` (which gives
PLAIN_IN) and `mindnet-node build-spec --chain PLAIN_OUT --raw`. It replaces, in the spec's
`genesis.runtimeGenesis.patch`, the validators (their accounts and session keys: Aura and
GRANDPA), the sudo key and the endowed balances with those of the keys file, sets the session
length, keeps the rest of the preset's genesis (network 0 and
its tempo; axons must be publicly routable; every network takes weights by commit and reveal), and sets the name, id, chain type `Live`,
protocol id and boot nodes.

The keys file holds public keys only, never secrets:

    {
      "authorities": [
        {"aura": "<sr25519 public key>", "grandpa": "<ed25519 public key>",
         "account": "<the validator's account (optional; default: the aura key's)>"},
        ...
      ],
      "sessionLength": 100,
      "sudo": "<account>",
      "endowed": [["<account>", "<balance in base units, as a string>"], ...],
      "bootNodes": ["/dns/boot.example.org/tcp/30333/p2p/12D3KooW..."]
    }

Keys and accounts are SS58 addresses in any format (Mindnet's 7734, which `mindnet-node key
generate` prints, the generic 42, ...) or 0x-prefixed 32-byte hex public keys (`publicKey`
of `mindnet-node key generate --output-type json`). 1 MIND = 10^9 base units. `bootNodes` is
optional; `sessionLength` (blocks per session; validator-set changes take effect one to two
sessions after root makes them) defaults to 100 (10 minutes). The script refuses the well-known development keys (Alice ... Ferdie and their
//stash accounts), repeated authority keys or endowed accounts, and balances under the
existential deposit, so that a chain built from it only trusts the keys it names.
"""

import argparse
import hashlib
import json
import sys

# The runtime parses the genesis patch itself and only accepts SS58 addresses whose prefix is
# in the SS58 registry, so the patch spells every key with the generic Substrate prefix.
PATCH_SS58_PREFIX = 42
# runtime/src/lib.rs, EXISTENTIAL_DEPOSIT: 0.001 MIND.
EXISTENTIAL_DEPOSIT = 1_000_000
U128_MAX = 2**128 - 1

# Public keys of the well-known development accounts (//Alice ... //Ferdie and //X//stash),
# sr25519 then ed25519: anyone can sign with them.
DEV_KEYS = {
    "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d": "//Alice (sr25519)",
    "be5ddb1579b72e84524fc29e78609e3caf42e85aa118ebfe0b0ad404b5bdd25f": "//Alice//stash (sr25519)",
    "8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48": "//Bob (sr25519)",
    "fe65717dad0447d715f660a0a58411de509b42e6efb8375f562f58a554d5860e": "//Bob//stash (sr25519)",
    "90b5ab205c6974c9ea841be688864633dc9ca8a357843eeacf2314649965fe22": "//Charlie (sr25519)",
    "1e07379407fecc4b89eb7dbd287c2c781cfb1907a96947a3eb18e4f8e7198625": "//Charlie//stash (sr25519)",
    "306721211d5404bd9da88e0204360a1a9ab8b87c66c1bc2fcdd37f3c2222cc20": "//Dave (sr25519)",
    "e860f1b1c7227f7c22602f53f15af80747814dffd839719731ee3bba6edc126c": "//Dave//stash (sr25519)",
    "e659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e": "//Eve (sr25519)",
    "8ac59e11963af19174d0b94d5d78041c233f55d2e19324665bafdfb62925af2d": "//Eve//stash (sr25519)",
    "1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c": "//Ferdie (sr25519)",
    "101191192fc877c24d725b337120fa3edc63d227bbc92705db1e2cb65f56981a": "//Ferdie//stash (sr25519)",
    "88dc3417d5058ec4b4503e0c12ea1a0a89be200fe98922423d4334014fa6b0ee": "//Alice (ed25519)",
    "451781cd0c5504504f69ceec484cc66e4c22a2b6a9d20fb1a426d91ad074a2a8": "//Alice//stash (ed25519)",
    "d17c2d7823ebf260fd138f2d7e27d114c0145d968b5ff5006125f2414fadae69": "//Bob (ed25519)",
    "292684abbb28def63807c5f6e84e9e8689769eb37b1ab130d79dbfbf1b9a0d44": "//Bob//stash (ed25519)",
    "439660b36c6c03afafca027b910b4fecf99801834c62a5e6006f27d978de234f": "//Charlie (ed25519)",
    "dd6a6118b6c11c9c9e5a4f34ed3d545e2c74190f90365c60c230fa82e9423bb9": "//Charlie//stash (ed25519)",
    "5e639b43e0052c47447dac87d6fd2b6ec50bdd4d0f614e4299c665249bbd09d9": "//Dave (ed25519)",
    "1d0432d75331ab299065bee79cdb1bdc2497c597a3087b4d955c67e3c000c1e2": "//Dave//stash (ed25519)",
    "1dfe3e22cc0d45c70779c1095f7489a8ef3cf52d62fbd8c2fa38c9f1723502b5": "//Eve (ed25519)",
    "c833bdd2e1a7a18acc1c11f8596e2e697bb9b42d6b6051e474091a1d43a294d7": "//Eve//stash (ed25519)",
    "568cb4a574c6d178feb39c27dfc8b3f789e5f5423e19c71633c748b9acf086b5": "//Ferdie (ed25519)",
    "199d749dbf4b8135cb1f3c8fd697a390fc0679881a8a110c1d06375b3b62cd09": "//Ferdie//stash (ed25519)",
}

B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class KeysError(Exception):
    pass


def b58decode(s):
    n = 0
    for c in s:
        i = B58_ALPHABET.find(c)
        if i < 0:
            raise ValueError(f"{c!r} is not a base58 character")
        n = n * 58 + i
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(s) - len(s.lstrip("1"))) + body


def b58encode(b):
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = B58_ALPHABET[r] + out
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + out


def ss58_checksum(data):
    return hashlib.blake2b(b"SS58PRE" + data, digest_size=64).digest()[:2]


def ss58_decode(address):
    """The (prefix, 32-byte public key) of an SS58 address; ValueError if it is not one."""
    data = b58decode(address)
    if len(data) < 2:
        raise ValueError("too short")
    if data[0] < 64:
        prefix, prefix_len = data[0], 1
    elif data[0] < 128:
        lower = ((data[0] << 2) | (data[1] >> 6)) & 0xFF
        prefix, prefix_len = lower | ((data[1] & 0b0011_1111) << 8), 2
    else:
        raise ValueError("invalid prefix byte")
    if len(data) != prefix_len + 32 + 2:
        raise ValueError("not a 32-byte public key")
    if ss58_checksum(data[:-2]) != data[-2:]:
        raise ValueError("bad checksum")
    return prefix, data[prefix_len:-2]


def ss58_encode(public, prefix):
    if prefix < 64:
        head = bytes([prefix])
    else:
        head = bytes(
            [
                ((prefix & 0b1111_1100) >> 2) | 0b0100_0000,
                (prefix >> 8) | ((prefix & 0b11) << 6),
            ]
        )
    data = head + public
    return b58encode(data + ss58_checksum(data))


def public_key(value, where):
    """The 32 bytes of a public key written as an SS58 address or as 0x-prefixed hex."""
    if not isinstance(value, str):
        raise KeysError(f"{where}: expected a string, found {value!r}")
    if value.startswith("0x"):
        try:
            key = bytes.fromhex(value[2:])
        except ValueError:
            raise KeysError(f"{where}: {value!r} is not hex") from None
        if len(key) != 32:
            raise KeysError(f"{where}: {value!r} is not a 32-byte public key")
    else:
        try:
            _, key = ss58_decode(value)
        except ValueError as e:
            raise KeysError(f"{where}: {value!r} is not an SS58 address ({e})") from None
    if key.hex() in DEV_KEYS:
        raise KeysError(
            f"{where}: {value} is the well-known development key {DEV_KEYS[key.hex()]}; "
            "anyone can sign with it"
        )
    return key


def patch_address(key):
    return ss58_encode(key, PATCH_SS58_PREFIX)


def read_keys(path):
    try:
        with open(path) as f:
            keys = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise KeysError(f"cannot read {path}: {e}") from None
    if not isinstance(keys, dict):
        raise KeysError(f"{path}: expected a JSON object")
    unknown = set(keys) - {"authorities", "sudo", "endowed", "bootNodes", "sessionLength"}
    if unknown:
        raise KeysError(f"{path}: unknown fields {sorted(unknown)}")
    for field in ("authorities", "sudo", "endowed"):
        if field not in keys:
            raise KeysError(f"{path}: missing field {field!r}")

    authorities = keys["authorities"]
    if not isinstance(authorities, list) or not authorities:
        raise KeysError(f"{path}: 'authorities' must be a non-empty list")
    aura, grandpa, accounts = [], [], []
    for i, a in enumerate(authorities):
        where = f"{path}: authorities[{i}]"
        if not isinstance(a, dict) or not {"aura", "grandpa"} <= set(a) <= {
            "aura",
            "grandpa",
            "account",
        }:
            raise KeysError(
                f"{where}: expected {{\"aura\": ..., \"grandpa\": ...[, \"account\": ...]}}"
            )
        aura.append(public_key(a["aura"], f"{where}.aura"))
        grandpa.append(public_key(a["grandpa"], f"{where}.grandpa"))
        accounts.append(public_key(a["account"], f"{where}.account") if "account" in a else aura[-1])
    for name, ks in (("aura", aura), ("grandpa", grandpa), ("account", accounts)):
        if len(set(ks)) != len(ks):
            raise KeysError(f"{path}: an authorities[].{name} key appears twice")

    sudo = public_key(keys["sudo"], f"{path}: sudo")

    endowed = keys["endowed"]
    if not isinstance(endowed, list):
        raise KeysError(f"{path}: 'endowed' must be a list of [account, balance] pairs")
    balances, total = [], 0
    for i, e in enumerate(endowed):
        where = f"{path}: endowed[{i}]"
        if not isinstance(e, list) or len(e) != 2:
            raise KeysError(f'{where}: expected ["<account>", "<balance>"]')
        account = public_key(e[0], where)
        if not isinstance(e[1], str) or not e[1].isdigit():
            raise KeysError(f"{where}: the balance must be a string of decimal digits")
        balance = int(e[1])
        if balance < EXISTENTIAL_DEPOSIT:
            raise KeysError(
                f"{where}: {balance} is under the existential deposit "
                f"({EXISTENTIAL_DEPOSIT} base units = 0.001 MIND)"
            )
        total += balance
        balances.append((account, balance))
    if total > U128_MAX:
        raise KeysError(f"{path}: the endowed balances add up to more than a u128")
    if len({a for a, _ in balances}) != len(balances):
        raise KeysError(f"{path}: an endowed account appears twice")
    if sudo not in {a for a, _ in balances}:
        print(
            f"warning: {path}: the sudo account is not endowed and cannot pay for sudo calls",
            file=sys.stderr,
        )

    boot_nodes = keys.get("bootNodes", [])
    if not isinstance(boot_nodes, list) or not all(isinstance(b, str) for b in boot_nodes):
        raise KeysError(f"{path}: 'bootNodes' must be a list of multiaddr strings")
    session_length = keys.get("sessionLength", 100)
    if not isinstance(session_length, int) or isinstance(session_length, bool) or not (
        1 <= session_length <= 2**32 - 1
    ):
        raise KeysError(f"{path}: 'sessionLength' must be a whole number of blocks, at least 1")
    validators = list(zip(accounts, aura, grandpa))
    return validators, session_length, sudo, balances, boot_nodes


def foreign_accounts(value, allowed, where="patch"):
    """Paths in the patch of SS58 addresses that are not among the `allowed` keys."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from foreign_accounts(v, allowed, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from foreign_accounts(v, allowed, f"{where}[{i}]")
    elif isinstance(value, str):
        try:
            _, key = ss58_decode(value)
        except ValueError:
            return
        if key not in allowed:
            yield f"{where} = {value}"


def main():
    parser = argparse.ArgumentParser(
        description="Put the public keys of a keys file into a plain Mindnet chain spec."
    )
    parser.add_argument("--keys", required=True, help="the keys file (format: see the top)")
    parser.add_argument("--name", default="Mindnet Testnet")
    parser.add_argument("--id", default="mindnet_testnet")
    parser.add_argument("--protocol-id", default="mindnet")
    parser.add_argument("plain_in", help="plain spec from `mindnet-node build-spec --chain local`")
    parser.add_argument("plain_out", help="where to write the plain spec with the keys")
    args = parser.parse_args()

    try:
        validators, session_length, sudo, balances, boot_nodes = read_keys(args.keys)
    except KeysError as e:
        sys.exit(f"error: {e}")

    with open(args.plain_in) as f:
        spec = json.load(f)
    try:
        patch = spec["genesis"]["runtimeGenesis"]["patch"]
    except (KeyError, TypeError):
        sys.exit(
            f"error: {args.plain_in} has no genesis.runtimeGenesis.patch; expected the plain "
            "(not --raw) output of `mindnet-node build-spec --chain local`"
        )

    # Aura's and GRANDPA's authorities come from the validators' session keys.
    patch.pop("aura", None)
    patch.pop("grandpa", None)
    patch["validatorSet"] = {
        "initialValidators": [patch_address(a) for a, _, _ in validators],
        "sessionLength": session_length,
    }
    patch["session"] = {
        "keys": [
            [patch_address(a), patch_address(a), {"aura": patch_address(s), "grandpa": patch_address(g)}]
            for a, s, g in validators
        ]
    }
    patch.setdefault("sudo", {})["key"] = patch_address(sudo)
    patch.setdefault("balances", {})["balances"] = [[patch_address(a), n] for a, n in balances]
    # Development accounts the balances pallet would derive and fund at genesis.
    patch["balances"].pop("devAccounts", None)
    # The `local_testnet` preset lets axons serve on loopback and private addresses (its
    # nodes share one machine); a live network's axons must be publicly routable.
    mindnet = patch.get("mindnet")
    if isinstance(mindnet, dict) and "allowNonRoutableAxons" in mindnet:
        mindnet["allowNonRoutableAxons"] = False
    # A public network takes weights by commit and reveal (docs/copier.md says what that
    # does and does not prevent); root can switch it off per network.
    if isinstance(mindnet, dict):
        mindnet["commitRevealNetworks"] = [n[0] for n in mindnet.get("networks", [])]

    # Any other account the preset names (Alice as something's owner, say) would survive into
    # this genesis: refuse rather than start a network that trusts a well-known key.
    allowed = {k for v in validators for k in v} | {sudo} | {a for a, _ in balances}
    foreign = list(foreign_accounts(patch, allowed))
    if foreign:
        sys.exit(
            "error: the preset's genesis names accounts that are not in the keys file:\n  "
            + "\n  ".join(foreign)
        )

    spec["name"] = args.name
    spec["id"] = args.id
    spec["chainType"] = "Live"
    spec["protocolId"] = args.protocol_id
    spec["bootNodes"] = boot_nodes

    with open(args.plain_out, "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    # Addresses in the chain's own format (its `ss58Format` property: Mindnet's 7734).
    prefix = (spec.get("properties") or {}).get("ss58Format", PATCH_SS58_PREFIX)
    total = sum(n for _, n in balances)
    print(
        f"{args.plain_out}: {len(validators)} validators, {session_length}-block sessions, sudo {ss58_encode(sudo, prefix)}, "
        f"{len(balances)} endowed accounts holding {total // 10**9:,} MIND "
        f"and {total % 10**9} base units",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
