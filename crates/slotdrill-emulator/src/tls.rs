//! HTTPS for `serve --tls`: the listener's rustls configuration, from the user's own certificate
//! and key (PEM files, as Azurite's `--cert`/`--key`) or from a self-signed certificate made at
//! start-up for every name a client of the emulator uses. The official Azure SDKs send a bearer
//! token only over HTTPS (azure-core's bearer-token policy), so this is what lets them drive
//! `serve` unmodified. HTTP/1.1 only, as the plain listener.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls;

/// The names a self-signed certificate is valid for: this machine (by name and both loopback
/// addresses), every function host and its Kudu (`scm`) host, and the management host names of
/// the clouds the CLI knows (a client pointed at one of them and resolved to the listener).
pub const SELF_SIGNED_NAMES: &[&str] = &[
    "localhost",
    "127.0.0.1",
    "::1",
    "*.azurewebsites.net",
    "*.scm.azurewebsites.net",
    "management.azure.com",
    "management.usgovcloudapi.net",
    "management.chinacloudapi.cn",
];

/// Why the listener's TLS configuration could not be made. Messages name files, never their
/// contents (a key file is a secret).
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read or parsed.
    #[error("cannot read {}: {message}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why (I/O or PEM syntax).
        message: String,
    },
    /// The certificate file holds no `CERTIFICATE` block.
    #[error("{} holds no PEM certificate", .0.display())]
    NoCertificate(PathBuf),
    /// rustls refused the certificate and key (a key that does not match, an unsupported type).
    #[error("the certificate and key cannot be served: {0}")]
    Config(#[source] rustls::Error),
    /// rcgen could not make the self-signed certificate.
    #[error("cannot generate a self-signed certificate: {0}")]
    Generate(#[source] rcgen::Error),
}

/// A listener's TLS set-up: the rustls configuration and, for a generated certificate, its PEM
/// (what a client must trust; the key never leaves the process).
#[derive(Clone)]
pub struct TlsIdentity {
    /// What the listener hands to each connection's handshake.
    pub config: Arc<rustls::ServerConfig>,
    /// The generated certificate in PEM; `None` for the user's own.
    pub generated_pem: Option<String>,
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("generated", &self.generated_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// A fresh self-signed certificate (ECDSA P-256, a new key every start) valid for `names`
    /// (IP addresses become IP subject alternative names).
    pub fn self_signed(names: &[&str]) -> Result<TlsIdentity, TlsError> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = rcgen::CertificateParams::new(names).map_err(TlsError::Generate)?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "slotdrill serve");
        // Marked for what it is used for: strict verifiers (Python 3.13's default
        // VERIFY_X509_STRICT among them) look for these.
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let key = rcgen::KeyPair::generate().map_err(TlsError::Generate)?;
        let certificate = params.self_signed(&key).map_err(TlsError::Generate)?;
        let chain = vec![certificate.der().clone()];
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        Ok(TlsIdentity {
            config: server_config(chain, private)?,
            generated_pem: Some(certificate.pem()),
        })
    }

    /// The user's certificate chain (leaf first) and private key, both PEM files.
    pub fn from_pem_files(certificate: &Path, key: &Path) -> Result<TlsIdentity, TlsError> {
        let unreadable = |path: &Path| {
            let path = path.to_owned();
            move |e: rustls_pki_types::pem::Error| TlsError::Read {
                path,
                message: e.to_string(),
            }
        };
        let chain = CertificateDer::pem_file_iter(certificate)
            .map_err(unreadable(certificate))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(unreadable(certificate))?;
        if chain.is_empty() {
            return Err(TlsError::NoCertificate(certificate.to_owned()));
        }
        let private = PrivateKeyDer::from_pem_file(key).map_err(unreadable(key))?;
        Ok(TlsIdentity {
            config: server_config(chain, private)?,
            generated_pem: None,
        })
    }
}

/// rustls with ring (the provider slotdrill's reqwest clients use), HTTP/1.1 offered by ALPN.
fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(TlsError::Config)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
