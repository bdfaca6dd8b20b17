//! How the console signs people in: `GET /auth.json` of the project's server.

use serde::{Deserialize, Serialize};

/// The server's sign-in settings, public: the OpenID Connect provider the console sends
/// people to, the console's client id there and the scopes to ask for. `issuer` is `None`
/// when the server takes static tokens only; `client_id` is `None` when it verifies
/// people's tokens but offers the console no sign-in. The role names let the console show
/// a reader no write controls and tell a person without a role why (the server decides).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthConfig {
    /// The issuer (discovery at `{issuer}/.well-known/openid-configuration`).
    #[serde(default)]
    pub issuer: Option<String>,
    /// The console's public client id (no secret: Authorization Code with PKCE).
    #[serde(default)]
    pub client_id: Option<String>,
    /// The scopes to ask for, such as `openid profile offline_access api://esim/Esim.Access`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The `roles` value of an admin (the console shows the write controls).
    #[serde(default)]
    pub admin_role: Option<String>,
    /// The `roles` value of a reader (the console hides the write controls).
    #[serde(default)]
    pub reader_role: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::AuthConfig;

    #[test]
    fn round_trips_and_reads_an_empty_object() {
        let c = AuthConfig {
            issuer: Some("https://login.microsoftonline.com/t/v2.0".into()),
            client_id: Some("c".into()),
            scopes: vec!["openid".into()],
            admin_role: Some("Esim.Admin".into()),
            reader_role: Some("Esim.Reader".into()),
        };
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.contains("\"clientId\":\"c\""), "{text}");
        assert!(text.contains("\"adminRole\":\"Esim.Admin\""), "{text}");
        assert_eq!(serde_json::from_str::<AuthConfig>(&text).unwrap(), c);
        assert_eq!(
            serde_json::from_str::<AuthConfig>("{}").unwrap(),
            AuthConfig::default()
        );
    }
}
