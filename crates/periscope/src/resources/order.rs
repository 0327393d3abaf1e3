//! How list cells compare when a list is sorted: numbers as numbers, text naturally (`2/3` <
//! `10/3`), names in the apiserver's key order, empty cells last.

use std::cmp::Ordering;

use serde_json::Value;

/// Orders cells: nulls last, numbers numerically, booleans false < true, the rest as text.
pub fn compare_cells(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::Number(x), Value::Number(y)) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => natural(x, y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

/// Text order where `2/3` < `10/3` and `pod-9` < `pod-10`: digit runs compare as numbers.
fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
                let by_number = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if by_number != Ordering::Equal {
                    return by_number;
                }
                (a, b) = (&a[da..], &b[db..]);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let start = digits.iter().position(|d| *d != b'0').unwrap_or(digits.len());
    &digits[start..]
}

/// Names in the apiserver's key order (bytes), nulls last.
pub fn compare_names(a: &Value, b: &Value) -> Ordering {
    match (a.as_str(), b.as_str()) {
        (Some(x), Some(y)) => x.cmp(y),
        _ => compare_cells(a, b),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn cells_order_numbers_and_digit_runs_naturally_with_nulls_last() {
        let mut cells = vec![json!("pod-10"), Value::Null, json!("pod-9"), json!("pod-09a")];
        cells.sort_by(compare_cells);
        assert_eq!(cells, vec![json!("pod-9"), json!("pod-09a"), json!("pod-10"), Value::Null]);
        assert_eq!(compare_cells(&json!(2), &json!(10)), Ordering::Less);
        assert_eq!(compare_cells(&json!("2/3"), &json!("10/3")), Ordering::Less);
    }
}
