//! Amounts of MIND: 9 decimals, `1 MIND = 10^9` base units.

use crate::error::{Error, Result};

/// Decimals of the MIND token.
pub const DECIMALS: u32 = 9;
/// Base units in one MIND.
pub const UNIT: u128 = 1_000_000_000;

/// Parses a decimal amount of MIND (`1.5`, `0.000000001`, `12`) into base units.
pub fn parse_mind(text: &str) -> Result<u128> {
    let bad = |why: &str| {
        Error::usage(format!(
            "{text:?} is not an amount of MIND: {why} (write e.g. 1.5 or 0.25)"
        ))
    };
    let t = text.trim();
    if t.is_empty() {
        return Err(bad("it is empty"));
    }
    if t.starts_with('-') {
        return Err(bad("amounts cannot be negative"));
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad("it has no digits"));
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("only digits and one decimal point are allowed"));
    }
    if frac.len() > DECIMALS as usize {
        return Err(bad("MIND has at most 9 decimals"));
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad("it is too large"))?
    };
    let frac_units: u128 = if frac.is_empty() {
        0
    } else {
        let padded = format!("{frac:0<9}");
        padded
            .parse()
            .map_err(|_| bad("the decimals are not digits"))?
    };
    whole
        .checked_mul(UNIT)
        .and_then(|w| w.checked_add(frac_units))
        .ok_or_else(|| bad("it is too large"))
}

/// Formats base units as MIND with only the decimals needed (`1.5`, `0`, `0.000000001`).
pub fn format_mind(units: u128) -> String {
    let whole = units / UNIT;
    let frac = units % UNIT;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:09}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_mind("1.5").unwrap(), 1_500_000_000);
        assert_eq!(parse_mind("0.000000001").unwrap(), 1);
        assert_eq!(parse_mind("12").unwrap(), 12 * UNIT);
        assert_eq!(parse_mind(".5").unwrap(), UNIT / 2);
        assert_eq!(parse_mind("3.").unwrap(), 3 * UNIT);
        for bad in ["", "-1", "1.2.3", "abc", "1e9", "0.0000000001", ".", "1,5"] {
            assert!(parse_mind(bad).is_err(), "{bad}");
        }
        assert!(parse_mind("340282366920938463463374607431768211455").is_err());
        assert_eq!(format_mind(1_500_000_000), "1.5");
        assert_eq!(format_mind(0), "0");
        assert_eq!(format_mind(1), "0.000000001");
        for units in [0, 1, 7, UNIT, 123_456_789_012] {
            assert_eq!(parse_mind(&format_mind(units)).unwrap(), units);
        }
    }
}
