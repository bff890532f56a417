//! The address a phone on the office Wi-Fi reaches this box at (contract §4): `--public-url`
//! when given, otherwise a LAN IPv4 address and the listening port — never localhost or 0.0.0.0.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// Base URLs handed to phones: `http` for the API, `ws` for the phone socket.
#[derive(Debug, Clone)]
pub struct PublicBase {
    /// e.g. `http://192.168.1.20:3000` (no trailing slash)
    pub http: String,
    /// e.g. `ws://192.168.1.20:3000/ws/mobile`
    pub ws_mobile: String,
}

impl PublicBase {
    pub fn from_url(url: &str) -> Self {
        let http = url.trim_end_matches('/').to_string();
        let ws = if let Some(rest) = http.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = http.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            http.clone()
        };
        Self {
            ws_mobile: format!("{ws}/ws/mobile"),
            http,
        }
    }

    /// Whether phones are handed an address only this box itself can reach (localhost, 127.x,
    /// ::1): 设置 and the bind dialog warn about it.
    pub fn is_loopback(&self) -> bool {
        let rest = self.http.split("://").nth(1).unwrap_or(&self.http);
        let host = rest.split('/').next().unwrap_or_default();
        let host = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => host.rsplit_once(':').map_or(host, |(h, _)| h),
        };
        host.eq_ignore_ascii_case("localhost")
            || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }

    /// Decides the public base for a server listening on `local`.
    pub fn choose(public_url: Option<&str>, local: SocketAddr) -> Self {
        if let Some(url) = public_url {
            tracing::info!(url, "phones will use the configured public URL");
            return Self::from_url(url);
        }
        let ip = match local.ip() {
            IpAddr::V4(v4) if !v4.is_unspecified() && !v4.is_loopback() => v4,
            _ => match best_lan_ipv4() {
                Some(ip) => ip,
                None => {
                    tracing::warn!(
                        "no LAN IPv4 address found; phones cannot reach this box until \
                         --public-url is set"
                    );
                    match local.ip() {
                        IpAddr::V4(v4) if !v4.is_unspecified() => v4,
                        _ => Ipv4Addr::LOCALHOST,
                    }
                }
            },
        };
        let base = Self::from_url(&format!("http://{ip}:{}", local.port()));
        tracing::info!(url = %base.http, "phones will use this LAN address (set --public-url to change)");
        base
    }
}

/// Interfaces that are never the office LAN: containers, VMs, VPN tunnels.
fn is_virtual(name: &str) -> bool {
    [
        "docker", "br-", "veth", "virbr", "vmnet", "tun", "tap", "wg", "zt", "lxc", "cni",
        "flannel",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

/// Lower is better: the usual office ranges first.
fn rank(ip: Ipv4Addr) -> u8 {
    match ip.octets() {
        [192, 168, ..] => 0,
        [10, ..] => 1,
        [172, b, ..] if (16..32).contains(&b) => 2,
        _ => 3,
    }
}

/// Every usable IPv4 address of this box with its interface name, best first.
pub fn lan_ipv4_addresses() -> Vec<(String, Ipv4Addr)> {
    let mut found: Vec<(String, Ipv4Addr)> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|iface| match iface.ip() {
            IpAddr::V4(v4) if !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified() => {
                Some((iface.name, v4))
            }
            _ => None,
        })
        .collect();
    found.sort_by_key(|(name, ip)| (is_virtual(name), rank(*ip), name.clone()));
    found
}

fn best_lan_ipv4() -> Option<Ipv4Addr> {
    let all = lan_ipv4_addresses();
    if all.len() > 1 {
        tracing::info!(candidates = ?all, "several LAN addresses; choosing the first");
    }
    all.first().map(|(_, ip)| *ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_gives_ws_scheme() {
        let b = PublicBase::from_url("https://crm.example.com/");
        assert_eq!(b.http, "https://crm.example.com");
        assert_eq!(b.ws_mobile, "wss://crm.example.com/ws/mobile");
    }

    #[test]
    fn ranking_prefers_office_ranges_and_real_interfaces() {
        assert!(rank(Ipv4Addr::new(192, 168, 1, 2)) < rank(Ipv4Addr::new(10, 0, 0, 2)));
        assert!(rank(Ipv4Addr::new(172, 20, 0, 2)) < rank(Ipv4Addr::new(100, 64, 0, 1)));
        assert!(is_virtual("docker0") && !is_virtual("eth0"));
    }

    #[test]
    fn never_hands_out_unspecified() {
        let b = PublicBase::choose(None, "0.0.0.0:3000".parse().unwrap());
        assert!(!b.http.contains("0.0.0.0"), "{}", b.http);
    }
}

#[cfg(test)]
mod loopback_tests {
    use super::PublicBase;

    #[test]
    fn loopback_addresses_are_told_apart() {
        for url in [
            "http://127.0.0.1:3000",
            "http://localhost:3000/",
            "http://[::1]:3000",
            "http://127.9.9.9",
        ] {
            assert!(PublicBase::from_url(url).is_loopback(), "{url}");
        }
        for url in [
            "http://192.168.1.20:3000",
            "https://crm.example.com",
            "http://[fe80::1]:3000",
        ] {
            assert!(!PublicBase::from_url(url).is_loopback(), "{url}");
        }
    }
}
