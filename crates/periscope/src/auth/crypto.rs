//! Small cryptographic helpers for sign-in: random tokens, hashing of ids, PKCE, and
//! authenticated encryption of tokens at rest.

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// `n` random bytes from the OS generator, base64url without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Hex SHA-256 of `value`. Session and login ids are stored only in this form, so a copy of
/// the store cannot be replayed as cookies.
pub fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The PKCE S256 challenge of a verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Encrypts and decrypts tokens (refresh, ID) before they reach a session store.
#[derive(Clone)]
pub struct TokenCipher {
    cipher: Aes256Gcm,
}

/// A sealed value could not be opened (wrong key or tampered data).
#[derive(Debug, thiserror::Error)]
#[error("sealed value cannot be opened: wrong key or corrupted data")]
pub struct OpenError;

impl TokenCipher {
    /// A cipher keyed by SHA-256 of the configured secret.
    pub fn from_secret(secret: &str) -> Self {
        let key = Sha256::digest(secret.as_bytes());
        TokenCipher { cipher: Aes256Gcm::new(&key) }
    }

    /// A cipher with a random key, for stores that live only as long as the process.
    pub fn ephemeral() -> Self {
        Self::from_secret(&random_token(32))
    }

    /// AES-256-GCM with a random nonce; output is base64url(nonce ‖ ciphertext).
    pub fn seal(&self, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption only fails for plaintexts beyond AES-GCM's ~64 GiB limit.
        let ciphertext = self.cipher.encrypt(&nonce, plaintext.as_bytes()).expect("token fits AES-GCM limits");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// Reverses [`TokenCipher::seal`].
    pub fn open(&self, sealed: &str) -> Result<String, OpenError> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed).map_err(|_| OpenError)?;
        if bytes.len() < 12 {
            return Err(OpenError);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        // split_at(12) above makes this exactly the 96-bit GCM nonce.
        let nonce = <&Nonce<_>>::from(nonce);
        let plain = self.cipher.decrypt(nonce, ciphertext).map_err(|_| OpenError)?;
        String::from_utf8(plain).map_err(|_| OpenError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trips_and_detects_tampering_and_wrong_keys() {
        let cipher = TokenCipher::from_secret("k1");
        let sealed = cipher.seal("refresh-token-value");
        assert!(!sealed.contains("refresh"));
        assert_eq!(cipher.open(&sealed).expect("opens"), "refresh-token-value");
        assert_ne!(cipher.seal("x"), cipher.seal("x"), "random nonces");
        assert!(TokenCipher::from_secret("k2").open(&sealed).is_err());
        let mut bytes = URL_SAFE_NO_PAD.decode(&sealed).expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        assert!(cipher.open(&URL_SAFE_NO_PAD.encode(bytes)).is_err());
        assert!(cipher.open("short").is_err());
    }

    #[test]
    fn pkce_matches_rfc7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_tokens_have_the_asked_entropy() {
        assert_eq!(random_token(32).len(), 43);
        assert_ne!(random_token(32), random_token(32));
        assert_eq!(sha256_hex("abc").len(), 64);
    }
}
