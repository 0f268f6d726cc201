//! `refund-bot health`: one `GET /healthz` against a running bot, for container and service
//! health checks that have no shell (docs/cli.md).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// The `/healthz` URL of a bot serving `[http] listen`: an unspecified address (`0.0.0.0`,
/// `[::]`) is reached on loopback.
pub fn healthz_url(listen: &str) -> String {
    let host = match listen.parse::<SocketAddr>() {
        Ok(addr) if addr.ip().is_unspecified() => {
            let loopback = match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            };
            SocketAddr::new(loopback, addr.port()).to_string()
        }
        _ => listen.to_string(),
    };
    format!("http://{host}/healthz")
}

/// GETs `url` within `timeout` (connecting included); `Ok` with the status line on 200,
/// otherwise why not.
pub async fn check(url: &str, timeout: Duration) -> Result<String, String> {
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .map_err(|e| format!("GET {url}: {}", chain(&e)))?;
    let response = client.get(url).send().await.map_err(|e| {
        let why = if e.is_timeout() { format!("no answer within {} s", timeout.as_secs_f64()) } else { chain(&e) };
        format!("GET {url}: {why}")
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::OK {
        return Ok(format!("GET {url}: {status}"));
    }
    let body = response.text().await.unwrap_or_default();
    let body: String = body.trim().chars().take(500).collect();
    if body.is_empty() {
        Err(format!("GET {url}: {status}"))
    } else {
        Err(format!("GET {url}: {status}: {}", body.replace('\n', "; ")))
    }
}

/// What went wrong: the error's causes joined by `: ` (reqwest's own top line only repeats
/// the URL), or the error itself when it has none.
fn chain(error: &dyn std::error::Error) -> String {
    let mut parts = Vec::new();
    let mut source = error.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    if parts.is_empty() {
        error.to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_addresses_are_reached_on_loopback() {
        assert_eq!(healthz_url("127.0.0.1:8080"), "http://127.0.0.1:8080/healthz");
        assert_eq!(healthz_url("0.0.0.0:9000"), "http://127.0.0.1:9000/healthz");
        assert_eq!(healthz_url("[::]:8080"), "http://[::1]:8080/healthz");
        assert_eq!(healthz_url("[::1]:8080"), "http://[::1]:8080/healthz");
        assert_eq!(healthz_url("localhost:8080"), "http://localhost:8080/healthz");
    }
}
