//! Process memory helpers: estimating what projected rows hold, and handing freed memory back.

use serde_json::Value;

/// Hands memory freed after a big read back to the OS. Decoding pages of objects leaves tens
/// of MB free inside glibc's per-thread arenas, which would otherwise stay in RSS beside the
/// few MB of rows kept.
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and shrinks the allocator's own free lists; it takes no
    // pointers from us and is thread-safe in glibc.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Bytes a `Value` holds on the heap plus its own slot: an estimate (allocator rounding and
/// map node slack are approximated), used to keep caches under a byte budget.
pub fn value_bytes(value: &Value) -> usize {
    const SLOT: usize = std::mem::size_of::<Value>();
    // Per map entry: the key's `String` header and a share of the B-tree node around it.
    const ENTRY: usize = std::mem::size_of::<String>() + SLOT + 16;
    SLOT + match value {
        Value::String(s) => s.capacity(),
        Value::Array(items) => {
            items.iter().map(value_bytes).sum::<usize>() + items.capacity().saturating_sub(items.len()) * SLOT
        }
        Value::Object(map) => map.iter().map(|(k, v)| ENTRY + k.capacity() + value_bytes(v) - SLOT).sum(),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigger_rows_weigh_more_and_strings_count_their_bytes() {
        let small = serde_json::json!({"name": "a"});
        let big = serde_json::json!({"name": "a".repeat(1000), "labels": {"app": "web"}});
        assert!(value_bytes(&big) > value_bytes(&small) + 1000);
        assert!(value_bytes(&small) >= std::mem::size_of::<Value>());
    }
}
