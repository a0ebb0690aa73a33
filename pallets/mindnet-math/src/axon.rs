//! Which axon addresses peers can reach.
//!
//! `serve_axon` stores an IPv4 address in the low 32 bits of a `u128`, or a whole IPv6
//! address. Outside development chains (the pallet's `AllowNonRoutableAxons`) an axon must be
//! globally routable: loopback, private, shared (CGNAT), link-local, documentation,
//! benchmarking, multicast and reserved ranges are refused, and so are IPv4-mapped IPv6
//! addresses of such IPv4 addresses.
//!
//! The pallet's `serve_axon` and the clients that check an address before paying for the
//! transaction (`mindnet-client`, the learner) share this one definition.

/// Whether `ip` is a well-formed address of `ip_type` (4 or 6): not zero, not all ones,
/// and an IPv4 address fits 32 bits.
pub fn is_valid(ip: u128, ip_type: u8) -> bool {
    match ip_type {
        4 => ip != 0 && ip < (1u128 << 32) && ip != u128::from(u32::MAX),
        6 => ip != 0 && ip != u128::MAX,
        _ => false,
    }
}

/// Whether a valid IPv4 address (host order) is globally routable.
pub fn is_routable_v4(ip: u32) -> bool {
    // (network, prefix length) of every range peers cannot reach.
    const BLOCKED: [(u32, u32); 15] = [
        (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
        (0x0a00_0000, 8),  // 10.0.0.0/8 private
        (0x6440_0000, 10), // 100.64.0.0/10 shared address space (CGNAT)
        (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
        (0xa9fe_0000, 16), // 169.254.0.0/16 link-local
        (0xac10_0000, 12), // 172.16.0.0/12 private
        (0xc000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
        (0xc000_0200, 24), // 192.0.2.0/24 documentation
        (0xc0a8_0000, 16), // 192.168.0.0/16 private
        (0xc612_0000, 15), // 198.18.0.0/15 benchmarking
        (0xc633_6400, 24), // 198.51.100.0/24 documentation
        (0xcb00_7100, 24), // 203.0.113.0/24 documentation
        (0xe000_0000, 4),  // 224.0.0.0/4 multicast
        (0xf000_0000, 4),  // 240.0.0.0/4 reserved, broadcast
        (0xffff_ffff, 32), // 255.255.255.255 broadcast
    ];
    let prefix = |addr: u32, len: u32| addr.checked_shr(32u32.saturating_sub(len));
    !BLOCKED
        .iter()
        .any(|(net, len)| prefix(ip, *len) == prefix(*net, *len))
}

/// Whether a valid IPv6 address is globally routable.
pub fn is_routable_v6(ip: u128) -> bool {
    let top = |bits: u32| ip.checked_shr(128u32.saturating_sub(bits)).unwrap_or(0);
    // ::ffff:a.b.c.d: judge the IPv4 address it maps.
    if ip.checked_shr(32) == Some(0xffff) {
        return u32::try_from(ip & 0xffff_ffff).is_ok_and(is_routable_v4);
    }
    let loopback_or_unspecified = ip <= 1;
    let unique_local = top(7) == 0x7e; // fc00::/7
    let link_local = top(10) == 0x3fa; // fe80::/10
    let multicast = top(8) == 0xff; // ff00::/8
    let documentation = top(32) == 0x2001_0db8; // 2001:db8::/32
    let discard = top(64) == 0x0100_0000_0000_0000; // 100::/64
    !(loopback_or_unspecified
        || unique_local
        || link_local
        || multicast
        || documentation
        || discard)
}

/// Whether a valid address of `ip_type` is globally routable.
pub fn is_routable(ip: u128, ip_type: u8) -> bool {
    match ip_type {
        4 => u32::try_from(ip).is_ok_and(is_routable_v4),
        6 => is_routable_v6(ip),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(a: u8, b: u8, c: u8, d: u8) -> u128 {
        u128::from(u32::from_be_bytes([a, b, c, d]))
    }

    fn v6(s: &str) -> u128 {
        u128::from(s.parse::<std::net::Ipv6Addr>().unwrap())
    }

    #[test]
    fn public_ipv4_is_routable_and_private_ranges_are_not() {
        for ip in [
            v4(8, 8, 8, 8),
            v4(1, 1, 1, 1),
            v4(172, 32, 0, 1),
            v4(100, 128, 0, 1),
        ] {
            assert!(is_valid(ip, 4) && is_routable(ip, 4), "{ip:x}");
        }
        for ip in [
            v4(127, 0, 0, 1),
            v4(10, 1, 2, 3),
            v4(192, 168, 1, 1),
            v4(172, 16, 0, 1),
            v4(172, 31, 255, 255),
            v4(169, 254, 0, 1),
            v4(100, 64, 0, 1),
            v4(0, 1, 2, 3),
            v4(224, 0, 0, 1),
            v4(240, 0, 0, 1),
            v4(192, 0, 2, 1),
            v4(203, 0, 113, 9),
        ] {
            assert!(!is_routable(ip, 4), "{ip:x}");
        }
        assert!(!is_valid(0, 4));
        assert!(!is_valid(1u128 << 32, 4));
        assert!(!is_valid(v4(1, 1, 1, 1), 5));
    }

    #[test]
    fn ipv6_ranges() {
        assert!(is_routable(v6("2606:4700:4700::1111"), 6));
        assert!(is_routable(v6("2a00:1450:4001:80b::200e"), 6));
        for s in [
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "100::1",
        ] {
            assert!(!is_routable(v6(s), 6), "{s}");
        }
        // IPv4-mapped addresses are judged by their IPv4 address.
        assert!(!is_routable(v6("::ffff:127.0.0.1"), 6));
        assert!(!is_routable(v6("::ffff:192.168.0.1"), 6));
        assert!(is_routable(v6("::ffff:8.8.8.8"), 6));
        assert!(!is_valid(0, 6) && !is_valid(u128::MAX, 6));
    }
}
