//! Just enough HTTP/1.1 for the simulators: one request per connection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};

pub struct Request {
    pub method: String,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HashMap<String, String>,
    pub form: HashMap<String, String>,
    pub body: Vec<u8>,
}

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, v: &serde_json::Value) -> Response {
        Response {
            status,
            headers: vec![
                ("Content-Type".into(), "application/json; charset=utf-8".into()),
                ("Cache-Control".into(), "no-store, no-cache".into()),
            ],
            body: serde_json::to_vec(v).unwrap(),
        }
    }

    pub fn redirect(location: &str) -> Response {
        Response { status: 302, headers: vec![("Location".into(), location.into())], body: Vec::new() }
    }

    pub fn html(status: u16, text: &str) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: format!("<!doctype html><title>Sign in</title><p>{text}</p>").into_bytes(),
        }
    }
}

fn decode(s: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(s.as_bytes()).into_owned().collect()
}

/// A path with its `%XX` escapes decoded, as servers route on it (a Graph
/// message ID's `=` arrives as `%3D`).
fn percent_decoded(path: &str) -> String {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        r.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    let (path, q) = target.split_once('?').unwrap_or((&target, ""));
    let form = if headers.get("content-type").is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        decode(&String::from_utf8_lossy(&body))
    } else {
        HashMap::new()
    };
    Some(Request { method, path: percent_decoded(path), query: decode(q), headers, form, body })
}

pub fn write_response(stream: &mut impl Write, r: &Response) {
    let reason = match r.status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        413 => "Payload Too Large",
        416 => "Range Not Satisfiable",
        _ => "Status",
    };
    let mut head =
        format!("HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n", r.status, r.body.len());
    for (k, v) in &r.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&r.body);
    let _ = stream.flush();
}
