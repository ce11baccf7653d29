//! `GET /api/v1/proof?nonce=HEX`: the daemon proves it is its user's own (see
//! `crate::proof`): HMAC of the nonce and the address the client reached, never the secret.

use hyper::{Response, StatusCode};
use serde_json::json;

use super::response::{self, Body};
use crate::proof::{NONCE_LEN, Secret, unhex};

/// The local address of the connection a request came on, as `127.0.0.1:7133`.
#[derive(Debug, Clone)]
pub struct Reached(pub String);

pub fn answer(secret: Option<&Secret>, reached: Option<&Reached>, nonce: Option<&str>) -> Response<Body> {
    let error =
        |status, code, message: &str| response::json(status, &json!({"error": {"code": code, "message": message}}));
    let Some(secret) = secret else {
        return error(StatusCode::NOT_FOUND, "no_proof", "this daemon keeps no secret: it cannot prove whose it is");
    };
    let nonce = nonce.and_then(unhex).filter(|n| (NONCE_LEN..=64).contains(&n.len()));
    let (Some(nonce), Some(reached)) = (nonce, reached) else {
        return error(StatusCode::BAD_REQUEST, "bad_nonce", "give /api/v1/proof?nonce=HEX (16 to 64 random bytes)");
    };
    response::json(StatusCode::OK, &json!({"proof": secret.prove(&nonce, &reached.0), "address": reached.0}))
}
