//! `http` checks: one GET on a loopback address (the lab format refuses
//! any other host).

use std::time::Duration;

use berth_labs::format::HttpCheck;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;

use crate::Outcome;

async fn get(url: &str) -> Result<(u16, String), String> {
    let rest = url.strip_prefix("http://").ok_or("only http:// URLs")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let address = if authority.contains(':') && !authority.ends_with(']') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let address = address.replace("localhost", "127.0.0.1");
    let stream = tokio::net::TcpStream::connect(&address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let request = hyper::Request::get(path)
        .header("Host", authority)
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

pub async fn http(check: &HttpCheck) -> Outcome {
    let mut expected = format!("GET {} answers {}", check.url, check.status);
    if let Some(s) = &check.body_contains {
        expected.push_str(&format!(" with a body containing {s:?}"));
    }
    match tokio::time::timeout(Duration::from_secs(3), get(&check.url)).await {
        Err(_) => Outcome::new("http", false, expected, "no answer within 3 s"),
        Ok(Err(e)) => Outcome::new("http", false, expected, e),
        Ok(Ok((status, body))) => {
            let passed = status == check.status
                && check
                    .body_contains
                    .as_ref()
                    .is_none_or(|s| body.contains(s.as_str()));
            let shown: String = body.trim_end().chars().take(120).collect();
            Outcome::new(
                "http",
                passed,
                expected,
                format!("{status} with body {shown:?}"),
            )
        }
    }
}
