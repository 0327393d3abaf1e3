//! Kubernetes resource quantities as metrics-server writes them (`123456789n`, `250m`, `2`,
//! `1048576Ki`, `1.5Gi`, `1e3`): CPU in millicores, memory in bytes.

/// A CPU quantity in millicores (`250m` → 250, `1` → 1000, `500000n` → 0.5), rounded.
pub fn millicores(text: &str) -> Option<u64> {
    Some((amount(text)? * 1000.0).round() as u64)
}

/// A memory quantity in bytes (`64Mi`, `1G`, `123456`), rounded.
pub fn bytes(text: &str) -> Option<u64> {
    Some(amount(text)?.round() as u64)
}

/// The quantity's value as a number of base units; `None` for text that is not a quantity or
/// is negative (usage never is).
fn amount(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-')).unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0f64.powi(4),
        "Pi" => 1024.0f64.powi(5),
        "Ei" => 1024.0f64.powi(6),
        // Decimal exponent: `1e3`, `2E6`.
        exp if exp.starts_with(['e', 'E']) => 10f64.powi(exp[1..].parse().ok()?),
        _ => return None,
    };
    let value = number * scale;
    (value.is_finite() && value >= 0.0).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_in_every_form_metrics_server_writes() {
        assert_eq!(millicores("25000000n"), Some(25));
        assert_eq!(millicores("150m"), Some(150));
        assert_eq!(millicores("2"), Some(2000));
        assert_eq!(millicores("0.5"), Some(500));
        assert_eq!(millicores("1500u"), Some(2));
        assert_eq!(millicores("0"), Some(0));
    }

    #[test]
    fn memory_in_binary_and_decimal_units() {
        assert_eq!(bytes("40Mi"), Some(40 * 1024 * 1024));
        assert_eq!(bytes("102400Ki"), Some(100 * 1024 * 1024));
        assert_eq!(bytes("1Gi"), Some(1 << 30));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("1e3"), Some(1000));
        assert_eq!(bytes("123456"), Some(123456));
    }

    #[test]
    fn not_quantities() {
        for text in ["", "abc", "12Qi", "-5m", "1e", "m"] {
            assert_eq!(millicores(text), None, "{text}");
        }
    }
}
