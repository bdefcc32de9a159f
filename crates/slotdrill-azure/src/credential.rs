//! Where the bearer token comes from, in the order an Azure engineer expects: a service
//! principal's client secret (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`), a
//! token given outright (`SLOTDRILL_ARM_TOKEN`), else the Azure CLI's login. Tokens are cached,
//! fetched again five minutes before they expire or after ARM answers 401
//! `ExpiredAuthenticationToken`. Neither a secret nor a token ever appears in an error.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;
use slotdrill_model::Secret;

use crate::client::ArmError;

/// A national cloud: its management endpoint and its Microsoft Entra authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AzureCloud {
    /// `AzureCloud`.
    Public,
    /// `AzureUSGovernment`.
    UsGovernment,
    /// `AzureChinaCloud`.
    China,
}

impl AzureCloud {
    /// By the name `az cloud list` uses (`AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`)
    /// or the short one (`public`, `usgov`, `china`).
    pub fn from_name(name: &str) -> Option<AzureCloud> {
        match name.to_ascii_lowercase().as_str() {
            "azurecloud" | "public" => Some(AzureCloud::Public),
            "azureusgovernment" | "usgovernment" | "usgov" => Some(AzureCloud::UsGovernment),
            "azurechinacloud" | "china" => Some(AzureCloud::China),
            _ => None,
        }
    }

    /// Azure Resource Manager's endpoint.
    pub fn management(self) -> &'static str {
        match self {
            AzureCloud::Public => "https://management.azure.com",
            AzureCloud::UsGovernment => "https://management.usgovcloudapi.net",
            AzureCloud::China => "https://management.chinacloudapi.cn",
        }
    }

    /// The authority tokens come from.
    pub fn authority(self) -> &'static str {
        match self {
            AzureCloud::Public => "https://login.microsoftonline.com",
            AzureCloud::UsGovernment => "https://login.microsoftonline.us",
            AzureCloud::China => "https://login.chinacloudapi.cn",
        }
    }
}

/// How to get a token for ARM.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A bearer token given outright (`SLOTDRILL_ARM_TOKEN`; anything for the emulator).
    Token(Secret),
    /// A service principal's client secret (OAuth 2.0 client credentials).
    ClientSecret {
        /// `https://login.microsoftonline.com`, or a national cloud's authority.
        authority: String,
        /// The tenant id.
        tenant: String,
        /// The application (client) id.
        client_id: String,
        /// The client secret.
        secret: Secret,
        /// The ARM endpoint the token is for (`/.default` is appended).
        resource: String,
    },
    /// The Azure CLI's login: `az account get-access-token --resource RESOURCE`.
    AzureCli {
        /// The `az` program.
        program: PathBuf,
        /// The ARM endpoint the token is for.
        resource: String,
    },
}

impl Credential {
    /// The chain from the environment: the `AZURE_*` client secret variables, then
    /// `SLOTDRILL_ARM_TOKEN`, then the Azure CLI.
    pub fn from_environment(cloud: AzureCloud, resource: &str) -> Credential {
        Credential::from_variables(cloud, resource, &|name| std::env::var(name).ok())
    }

    /// The chain from variables `lookup` finds (empty values count as unset).
    fn from_variables(
        cloud: AzureCloud,
        resource: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Credential {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        if let (Some(tenant), Some(client_id), Some(secret)) = (
            var("AZURE_TENANT_ID"),
            var("AZURE_CLIENT_ID"),
            var("AZURE_CLIENT_SECRET"),
        ) {
            return Credential::ClientSecret {
                authority: var("AZURE_AUTHORITY_HOST")
                    .unwrap_or_else(|| cloud.authority().to_owned()),
                tenant,
                client_id,
                secret: Secret::new(secret),
                resource: resource.to_owned(),
            };
        }
        if let Some(token) = var("SLOTDRILL_ARM_TOKEN") {
            return Credential::Token(Secret::new(token));
        }
        Credential::AzureCli {
            program: PathBuf::from("az"),
            resource: resource.to_owned(),
        }
    }

    /// A token and when it expires (`None`: never, as far as we know).
    pub(crate) fn fetch(
        &self,
        post_form: &dyn Fn(&str, String) -> Result<Value, ArmError>,
    ) -> Result<(Secret, Option<Instant>), ArmError> {
        match self {
            Credential::Token(token) => Ok((token.clone(), None)),
            Credential::ClientSecret {
                authority,
                tenant,
                client_id,
                secret,
                resource,
            } => {
                let url = format!(
                    "{}/{}/oauth2/v2.0/token",
                    authority.trim_end_matches('/'),
                    encode(tenant)
                );
                let form = format!(
                    "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
                    encode(client_id),
                    encode(secret.expose()),
                    encode(&format!("{}/.default", resource.trim_end_matches('/')))
                );
                let body = post_form(&url, form)?;
                let token = body["access_token"]
                    .as_str()
                    .ok_or_else(|| failed("the token endpoint answered without access_token"))?;
                let expires_in = body["expires_in"].as_u64().unwrap_or(0);
                Ok((
                    Secret::new(token.to_owned()),
                    Some(Instant::now() + Duration::from_secs(expires_in)),
                ))
            }
            Credential::AzureCli { program, resource } => {
                let output = std::process::Command::new(program)
                    .args(["account", "get-access-token", "--output", "json"])
                    .args(["--resource", resource])
                    .output()
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::NotFound => failed(
                            "no credentials: set SLOTDRILL_ARM_TOKEN, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or install the Azure CLI and run `az login`",
                        ),
                        _ => failed(&format!("could not run {}: {e}", program.display())),
                    })?;
                if !output.status.success() {
                    return Err(failed(
                        "`az account get-access-token` failed: run `az login`, or set SLOTDRILL_ARM_TOKEN or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET",
                    ));
                }
                let body: Value = serde_json::from_slice(&output.stdout)
                    .map_err(|_| failed("`az account get-access-token` did not print JSON"))?;
                let token = body["accessToken"]
                    .as_str()
                    .ok_or_else(|| failed("`az account get-access-token` gave no accessToken"))?;
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let expires = body["expires_on"]
                    .as_u64()
                    .map(|at| Instant::now() + Duration::from_secs(at.saturating_sub(now)));
                Ok((Secret::new(token.to_owned()), expires))
            }
        }
    }
}

fn failed(message: &str) -> ArmError {
    ArmError::Setup(format!("credentials: {message}"))
}

/// `application/x-www-form-urlencoded` for one value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode("Abc-1._~"), "Abc-1._~");
    }

    fn chain(variables: &[(&str, &str)]) -> Credential {
        let lookup = |name: &str| {
            variables
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        Credential::from_variables(AzureCloud::UsGovernment, "https://arm.example", &lookup)
    }

    #[test]
    fn the_chain_prefers_a_client_secret_then_a_token_then_the_cli() {
        let principal = [
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s"),
            ("SLOTDRILL_ARM_TOKEN", "tok"),
        ];
        match chain(&principal) {
            Credential::ClientSecret {
                authority,
                tenant,
                resource,
                ..
            } => {
                assert_eq!(authority, "https://login.microsoftonline.us", "the cloud's");
                assert_eq!(
                    (tenant.as_str(), resource.as_str()),
                    ("t", "https://arm.example")
                );
            }
            other => panic!("expected a client secret, got {other:?}"),
        }
        let mut elsewhere = principal.to_vec();
        elsewhere.push(("AZURE_AUTHORITY_HOST", "https://login.example"));
        assert!(matches!(
            chain(&elsewhere),
            Credential::ClientSecret { authority, .. } if authority == "https://login.example"
        ));
        // A service principal missing its secret (or with an empty one) is not used.
        let incomplete = [
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", ""),
            ("SLOTDRILL_ARM_TOKEN", "tok"),
        ];
        assert!(matches!(chain(&incomplete), Credential::Token(t) if t.expose() == "tok"));
        assert!(matches!(
            chain(&[("SLOTDRILL_ARM_TOKEN", "")]),
            Credential::AzureCli { resource, .. } if resource == "https://arm.example"
        ));
    }

    #[test]
    fn national_clouds_have_their_endpoints() {
        let gov = AzureCloud::from_name("AzureUSGovernment").expect("known");
        assert_eq!(gov.management(), "https://management.usgovcloudapi.net");
        assert_eq!(gov.authority(), "https://login.microsoftonline.us");
        assert_eq!(
            AzureCloud::from_name("azurechinacloud"),
            Some(AzureCloud::China)
        );
        assert_eq!(AzureCloud::from_name("mars"), None);
    }
}
