//! The run's users: the first admin comes from the CLI (`create-admin`), the others from that
//! admin through `POST /api/v1/users`, as an office would set itself up.

use serde_json::{json, Value};

use crate::server::ADMIN_EMAIL;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    Admin,
    Lawyer,
    Caseworker,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Lawyer => "lawyer",
            Role::Caseworker => "caseworker",
        }
    }
}

#[derive(Clone)]
pub struct User {
    pub email: String,
    pub id: String,
    pub role: Role,
}

/// How many users of each role, and how many clients (sessions) each runs: 2 admins with 4
/// clients each, 8 lawyers with 3, 16 caseworkers with 2: 8 + 24 + 32 = 64.
pub const STAFF: &[(Role, usize, usize)] = &[
    (Role::Admin, 2, 4),
    (Role::Lawyer, 8, 3),
    (Role::Caseworker, 16, 2),
];

/// Creates everyone but the first admin; all of them, the first admin first.
pub async fn staff(
    http: &reqwest::Client,
    base: &str,
    admin_token: &str,
    password: &str,
) -> Vec<User> {
    let me: Value = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(admin_token)
        .send()
        .await
        .expect("GET /me")
        .json()
        .await
        .expect("me JSON");
    let mut users = vec![User {
        email: ADMIN_EMAIL.to_string(),
        id: me["id"].as_str().expect("my id").to_string(),
        role: Role::Admin,
    }];
    for (role, count, _) in STAFF {
        let first = if *role == Role::Admin { 1 } else { 0 };
        for i in first..*count {
            let email = format!("{}-{i}@soak.test", role.name());
            let res = http
                .post(format!("{base}/api/v1/users"))
                .bearer_auth(admin_token)
                .json(
                    &json!({"email": email, "name": format!("Soak {} {i}", role.name()),
                              "role": role.name(), "password": password}),
                )
                .send()
                .await
                .expect("POST /users");
            if res.status() != 201 {
                panic!("creating {email}: {}", res.text().await.unwrap_or_default());
            }
            let v: Value = res.json().await.expect("user JSON");
            users.push(User {
                email,
                id: v["id"].as_str().expect("user id").to_string(),
                role: *role,
            });
        }
    }
    users
}
