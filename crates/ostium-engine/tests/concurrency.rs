//! Replicas racing: several engines share one store and run the same request concurrently. The
//! sans-IO design makes concurrency testable without threads: each request is a sequence of
//! store effects, and a seeded scheduler interleaves them in every order it likes.
//!
//! Invariants, over thousands of interleavings: a code, or an approved device code, is redeemed at
//! most once; a refresh token is rotated at most once; once reuse is detected no token of the
//! family is live.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use ostium_engine::{Engine, Step};
use ostium_messages::{HttpRequest, HttpResponse, Params};
use ostium_rand::{SecureRng, random_array};
use ostium_testkit::SeededRng;

const INTERLEAVINGS: u64 = 1500;

/// Runs `steps` (one per replica) to completion, one effect at a time, in an order chosen by
/// `seed`.
fn race(engines: &[Engine], h: &Harness, steps: Vec<Step>, seed: u64) -> Vec<HttpResponse> {
    let mut scheduler = SeededRng::new(seed);
    let mut running: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    let mut done: Vec<Option<HttpResponse>> = running.iter().map(|_| None).collect();
    loop {
        let live: Vec<usize> = (0..running.len())
            .filter(|i| running[*i].is_some())
            .collect();
        if live.is_empty() {
            return done.into_iter().map(Option::unwrap).collect();
        }
        let pick: [u8; 1] = random_array(&mut scheduler).unwrap();
        let i = live[usize::from(pick[0]) % live.len()];
        running[i] = match running[i].take().unwrap() {
            Step::Effect(pending) => {
                let (effect, resume) = pending.into_parts();
                let outcome = ostium_engine::Store::execute(&h.store, effect);
                Some(engines[i].resume(resume, outcome))
            }
            Step::Respond(response) => {
                done[i] = Some(response);
                None
            }
            other => panic!("unexpected step {other:?}"),
        };
    }
}

fn replicas(h: &Harness, n: usize) -> Vec<Engine> {
    (0..n)
        .map(|_| Engine::new(h.engine.config().clone()).unwrap())
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> String {
    Params::from_iter(pairs.iter().copied()).encode()
}

fn is_active(h: &mut Harness, token: &str) -> bool {
    h.store
        .register(fitness_app().introspecting_any_token())
        .unwrap();
    json(&h.introspect(token, &basic(FITNESS_APP, FITNESS_SECRET)))["active"] == true
}

#[test]
fn racing_redemptions_of_one_code_never_both_succeed_and_leave_nothing_live() {
    for seed in 0..INTERLEAVINGS {
        let mut h = harness();
        let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
        let body = form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", DRAWING_REDIRECT),
            ("client_id", DRAWING_APP),
            ("code_verifier", pending.verifier.as_str()),
        ]);
        let engines = replicas(&h, 2);
        let steps = engines
            .iter()
            .map(|engine| {
                engine.token(
                    &HttpRequest::form_post(body.as_bytes()),
                    h.clock.now(),
                    &mut h.rng,
                )
            })
            .collect();
        let responses = race(&engines, &h, steps, seed);
        let winners: Vec<&HttpResponse> = responses.iter().filter(|r| r.status() == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "seed {seed}: exactly one redemption succeeds"
        );
        let loser = responses.iter().find(|r| r.status() != 200).unwrap();
        assert_eq!(error_code(loser), "invalid_grant", "seed {seed}");
        // The replay revoked the family, whenever the winner's tokens were written.
        let issued = json(winners[0]);
        for token in ["access_token", "refresh_token"] {
            assert!(
                !is_active(&mut h, issued[token].as_str().unwrap()),
                "seed {seed}: {token} still live"
            );
        }
    }
}

#[test]
fn racing_polls_of_one_approved_device_code_redeem_it_once() {
    for seed in 0..INTERLEAVINGS {
        let mut h = harness();
        h.store.register(tv_app()).unwrap();
        let device_code = approved_device_code(&mut h, "openid offline_access");
        let body = form(&[
            ("grant_type", DEVICE_GRANT),
            ("device_code", &device_code),
            ("client_id", TV_APP),
        ]);
        let engines = replicas(&h, 2);
        let steps = engines
            .iter()
            .map(|engine| {
                engine.token(
                    &HttpRequest::form_post(body.as_bytes()),
                    h.clock.now(),
                    &mut h.rng,
                )
            })
            .collect();
        let responses = race(&engines, &h, steps, seed);
        let winners: Vec<&HttpResponse> = responses.iter().filter(|r| r.status() == 200).collect();
        assert_eq!(winners.len(), 1, "seed {seed}: exactly one poll redeems");
        let loser = responses.iter().find(|r| r.status() != 200).unwrap();
        assert_eq!(error_code(loser), "invalid_grant", "seed {seed}");
        // The second redemption revoked the grant, whenever the winner's tokens were written.
        let issued = json(winners[0]);
        for token in ["access_token", "refresh_token"] {
            assert!(
                !is_active(&mut h, issued[token].as_str().unwrap()),
                "seed {seed}: {token} still live"
            );
        }
    }
}

#[test]
fn racing_refreshes_of_one_token_rotate_once_and_then_revoke_the_family() {
    for seed in 0..INTERLEAVINGS {
        let mut h = harness();
        let (code, pending) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
        let first = json(&h.redeem_public(&code, &pending));
        let refresh = first["refresh_token"].as_str().unwrap().to_owned();
        let body = form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh),
            ("client_id", DRAWING_APP),
        ]);
        let racers = 2 + usize::from(seed % 2 == 0); // two or three replicas
        let engines = replicas(&h, racers);
        let steps = engines
            .iter()
            .map(|engine| {
                engine.token(
                    &HttpRequest::form_post(body.as_bytes()),
                    h.clock.now(),
                    &mut h.rng,
                )
            })
            .collect();
        let responses = race(&engines, &h, steps, seed);
        let winners: Vec<&HttpResponse> = responses.iter().filter(|r| r.status() == 200).collect();
        assert_eq!(
            winners.len(),
            1,
            "seed {seed}: exactly one rotation succeeds"
        );
        assert!(
            responses
                .iter()
                .filter(|r| r.status() != 200)
                .all(|r| error_code(r) == "invalid_grant")
        );
        // Reuse was detected, so nothing of the family is live: not the first tokens, not the
        // winner's.
        let issued = json(winners[0]);
        for token in [
            first["access_token"].as_str().unwrap(),
            issued["access_token"].as_str().unwrap(),
            issued["refresh_token"].as_str().unwrap(),
        ] {
            assert!(
                !is_active(&mut h, token),
                "seed {seed}: a token survived reuse detection"
            );
        }
    }
}

#[test]
fn unrelated_requests_interleave_without_interfering() {
    for seed in 0..200 {
        let mut h = harness();
        let (code_a, pending_a) =
            h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/diagrams");
        let (code_b, pending_b) = h.code_for(DRAWING_APP, DRAWING_REDIRECT, "files:write:/photos");
        let bodies = [(code_a, pending_a), (code_b, pending_b)].map(|(code, pending)| {
            form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", DRAWING_REDIRECT),
                ("client_id", DRAWING_APP),
                ("code_verifier", pending.verifier.as_str()),
            ])
        });
        let engines = replicas(&h, 2);
        let mut rng = SeededRng::new(seed);
        let mut fresh = || {
            let mut bytes = [0u8; 8];
            rng.fill(&mut bytes).unwrap();
            SeededRng::new(u64::from_le_bytes(bytes))
        };
        let steps = engines
            .iter()
            .zip(&bodies)
            .map(|(engine, body)| {
                engine.token(
                    &HttpRequest::form_post(body.as_bytes()),
                    h.clock.now(),
                    &mut fresh(),
                )
            })
            .collect();
        let responses = race(&engines, &h, steps, seed);
        assert!(responses.iter().all(|r| r.status() == 200), "seed {seed}");
        for response in &responses {
            assert!(is_active(
                &mut h,
                json(response)["access_token"].as_str().unwrap()
            ));
        }
    }
}
