//! The SSRF guard on what the server fetches for Helm (chart repositories, OCI registries and
//! wherever they redirect): loopback, link-local (cloud metadata lives there), unspecified,
//! multicast and reserved addresses are never dialled; private ranges only when the operator
//! allows them. The check runs on the addresses a name resolves to, and the connection goes to
//! exactly those addresses, so a name that re-resolves between check and dial cannot slip past.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

/// Why an address may not be dialled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{host} resolves to {ip}, {why}; Periscope does not fetch charts from there")]
pub struct Blocked {
    pub host: String,
    pub ip: IpAddr,
    pub why: &'static str,
}

/// Why `ip` may not be dialled (`None`: it may). Private ranges pass only with `allow_private`.
pub fn refusal(ip: IpAddr, allow_private: bool) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4, allow_private),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => refusal_v4(v4, allow_private),
            None => refusal_v6(v6, allow_private),
        },
    }
}

fn refusal_v4(ip: Ipv4Addr, allow_private: bool) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_link_local() {
        Some("a link-local address (cloud metadata services live there)")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 || a >= 240 {
        Some("not a unicast address")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        (!allow_private).then_some("a private address (allowed only with --helm-allow-private-repos)")
    } else {
        None
    }
}

fn refusal_v6(ip: Ipv6Addr, allow_private: bool) -> Option<&'static str> {
    let first = ip.segments()[0];
    // fd00:ec2::254 is EC2's metadata service over IPv6: blocked even where private ranges are allowed.
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some("a cloud metadata address")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("not a unicast address")
    } else if first & 0xfe00 == 0xfc00 {
        (!allow_private).then_some("a private address (allowed only with --helm-allow-private-repos)")
    } else {
        None
    }
}

/// Checks a URL's host when it is an IP literal (names are checked when resolved).
pub fn check_literal(url: &url::Url, allow_private: bool) -> Result<(), Blocked> {
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    match refusal(ip, allow_private) {
        Some(why) => Err(Blocked { host: ip.to_string(), ip, why }),
        None => Ok(()),
    }
}

/// A DNS resolver for reqwest that refuses a name if any address it resolves to is refused.
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some((addr, why)) = addrs.iter().find_map(|a| refusal(a.ip(), allow_private).map(|why| (a, why))) {
                return Err(Box::new(Blocked { host, ip: addr.ip(), why }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The most redirects one fetch follows.
const MAX_REDIRECTS: usize = 5;

/// An HTTP client whose every connection (redirects included) passes the guard.
pub fn client(allow_private: bool, roots: Vec<reqwest::Certificate>) -> reqwest::Client {
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        if !matches!(attempt.url().scheme(), "http" | "https") {
            return attempt.error("a redirect to a scheme other than http(s)");
        }
        match check_literal(attempt.url(), allow_private) {
            Ok(()) => attempt.follow(),
            Err(blocked) => attempt.error(blocked),
        }
    });
    let builder = roots.into_iter().fold(reqwest::Client::builder(), |b, root| b.add_root_certificate(root));
    builder
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .redirect(policy)
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(10))
        .user_agent(concat!("periscope/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building only fails when the TLS backend cannot initialise, which every other client
        // of this process needs as well: a crash at the first fetch is the honest answer.
        .expect("HTTP client for chart repositories")
}

/// The guard's refusal somewhere in a reqwest error's chain.
pub fn blocked_in(error: &reqwest::Error) -> Option<Blocked> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(blocked) = e.downcast_ref::<Blocked>() {
            return Some(blocked.clone());
        }
        source = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(ip: &str, allow_private: bool) -> bool {
        refusal(ip.parse().expect("an IP"), allow_private).is_some()
    }

    #[test]
    fn loopback_link_local_and_metadata_are_refused_even_when_private_is_allowed() {
        for ip in [
            "127.0.0.1",
            "127.9.9.9",
            "169.254.169.254",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::",
        ] {
            assert!(refused(ip, true), "{ip} must be refused");
        }
    }

    #[test]
    fn private_ranges_pass_only_when_allowed() {
        for ip in ["10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "fd12::1", "::ffff:10.1.2.3"] {
            assert!(refused(ip, false), "{ip} is private");
            assert!(!refused(ip, true), "{ip} is allowed when private ranges are");
        }
        for ip in ["93.184.216.34", "140.82.112.3", "2606:4700::1111", "172.32.0.1", "100.128.0.1"] {
            assert!(!refused(ip, false), "{ip} is public");
        }
    }

    #[test]
    fn ip_literals_in_urls_are_checked_before_any_dial() {
        let url = |s: &str| url::Url::parse(s).expect("a URL");
        assert!(check_literal(&url("http://169.254.169.254/latest/meta-data"), true).is_err());
        assert!(check_literal(&url("http://[::1]:8080/index.yaml"), true).is_err());
        assert!(check_literal(&url("http://10.1.1.1/"), false).is_err());
        assert!(check_literal(&url("http://10.1.1.1/"), true).is_ok());
        assert!(check_literal(&url("https://charts.example.com/"), false).is_ok());
    }
}
