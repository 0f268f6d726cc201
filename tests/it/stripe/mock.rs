//! The Stripe fake: one stripe-stateful-mock process per test on 127.0.0.1.

use serde_json::Value;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::KEY;

/// One stripe-stateful-mock process on 127.0.0.1, killed on drop.
pub struct StripeMock {
    child: Child,
    pub base: String,
}

impl Drop for StripeMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `npm ci` once per test run when the mock is missing, so `cargo test` alone sets it up.
fn install_mock(root: &str) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        if std::path::Path::new(root).join("node_modules/stripe-stateful-mock").is_dir() {
            return;
        }
        let status = Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(root).status();
        assert!(
            matches!(status, Ok(s) if s.success()),
            "installing stripe-stateful-mock failed: run `npm ci` at the repository root (needs Node.js and npm)"
        );
    });
}

impl StripeMock {
    pub fn start() -> StripeMock {
        let root = env!("CARGO_MANIFEST_DIR");
        install_mock(root);
        let port = free_port();
        // Its own CLI binds every interface; this keeps it on loopback.
        // 0.0.16 leaves `customer` null on a customer's charge, where Stripe names the customer
        // (and `GET /v1/charges?customer=` filters on it); the shim sets it as Stripe does.
        let shim = "const c=require('stripe-stateful-mock/dist/api/charges').charges;const create=c.create;\
            c.create=(a,p)=>{const ch=create(a,p);if(typeof p.customer==='string')ch.customer=p.customer;return ch;};";
        let script = format!(
            "{shim}require('http').createServer(require('stripe-stateful-mock').createExpressApp()).listen({port},'127.0.0.1')"
        );
        let child = Command::new("node")
            .args(["-e", &script])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start node (stripe-stateful-mock)");
        let mock = StripeMock { child, base: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "stripe-stateful-mock did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        mock
    }

    pub fn call(&self, method: &str, path: &str, form: &[(&str, &str)], key: Option<&str>) -> (u16, Value) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let client = reqwest::Client::new();
            let url = format!("{}{path}", self.base);
            let mut request = match method {
                "GET" => client.get(url),
                _ => client.post(url).form(form),
            }
            .bearer_auth(KEY.1);
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            let response = request.send().await.expect("call the Stripe mock");
            let status = response.status().as_u16();
            (status, response.json().await.expect("Stripe mock json"))
        })
    }

    /// A charge on the mock; `source` may be a magic token such as `tok_createDispute`.
    pub fn charge(&self, amount: i64, source: &str) -> String {
        let amount = amount.to_string();
        let (status, charge) =
            self.call("POST", "/v1/charges", &[("amount", &amount), ("currency", "usd"), ("source", source)], None);
        assert_eq!(status, 200, "{charge}");
        charge["id"].as_str().unwrap().to_string()
    }

    pub fn refunds(&self, charge: &str) -> Vec<Value> {
        let (status, list) = self.call("GET", &format!("/v1/refunds?charge={charge}"), &[], None);
        assert_eq!(status, 200, "{list}");
        list["data"].as_array().unwrap().clone()
    }
}

/// What the proxy does to one matching request instead of passing it through untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 500 without calling Stripe: Stripe failed and did nothing.
    FailBefore,
    /// Call Stripe, then answer 500: Stripe did it, the answer was lost.
    FailAfter,
    /// Call Stripe and report the refund `pending`, as Stripe does for some payment methods.
    ReportPending,
}

/// One request the proxy saw: method, path, and its `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
}

#[derive(Default)]
struct ProxyState {
    /// Faults for `POST /v1/refunds`, used up in order.
    faults: std::collections::VecDeque<Fault>,
    seen: Vec<Seen>,
}

/// A proxy on 127.0.0.1 in front of the mock that injects the failures and states the mock
/// cannot produce (a 5xx on a refund, a `pending` refund). Stops with its runtime on drop.
pub struct FaultProxy {
    pub base: String,
    state: std::sync::Arc<std::sync::Mutex<ProxyState>>,
    _runtime: tokio::runtime::Runtime,
}

impl FaultProxy {
    pub fn start(upstream: &str, faults: &[Fault]) -> FaultProxy {
        use axum::body::Bytes;
        use axum::http::{HeaderMap, Method, StatusCode, Uri};
        use axum::response::IntoResponse;

        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let state = std::sync::Arc::new(std::sync::Mutex::new(ProxyState {
            faults: faults.iter().copied().collect(),
            seen: Vec::new(),
        }));
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (upstream, shared) = (upstream.to_string(), state.clone());
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (upstream, state) = (upstream.clone(), shared.clone());
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
                let fault = {
                    let mut state = state.lock().unwrap();
                    let path = uri.path().to_string();
                    state.seen.push(Seen { method: method.to_string(), path: path.clone(), idempotency_key: key });
                    let refund_create = method == Method::POST && path == "/v1/refunds";
                    if refund_create {
                        state.faults.pop_front()
                    } else {
                        None
                    }
                };
                if fault == Some(Fault::FailBefore) {
                    return (StatusCode::INTERNAL_SERVER_ERROR, "{}").into_response();
                }
                let url = format!("{upstream}{}", uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
                let mut request = reqwest::Client::new().request(method, url).body(body);
                for name in ["authorization", "idempotency-key", "content-type"] {
                    if let Some(value) = headers.get(name) {
                        request = request.header(name, value);
                    }
                }
                let response = request.send().await.expect("proxy to the Stripe mock");
                let status = response.status();
                let answer: Value = response.json().await.expect("Stripe mock json");
                match fault {
                    Some(Fault::FailAfter) => (StatusCode::INTERNAL_SERVER_ERROR, "{}").into_response(),
                    Some(Fault::ReportPending) => {
                        let mut answer = answer;
                        answer["status"] = Value::from("pending");
                        (status, axum::Json(answer)).into_response()
                    }
                    _ => (status, axum::Json(answer)).into_response(),
                }
            }
        });
        runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });
        FaultProxy { base, state, _runtime: runtime }
    }

    /// The `Idempotency-Key` of every refund creation that reached the proxy.
    pub fn refund_keys(&self) -> Vec<Option<String>> {
        let state = self.state.lock().unwrap();
        let creates = state.seen.iter().filter(|s| s.method == "POST" && s.path == "/v1/refunds");
        creates.map(|s| s.idempotency_key.clone()).collect()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }
}
