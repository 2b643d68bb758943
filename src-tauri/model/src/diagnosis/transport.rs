//! Failures before any answer arrives: DNS, connection, TLS, timeouts.

use super::Diagnosis;

/// What went wrong on the way to a server, classified from the HTTP client's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    Dns {
        host: String,
    },
    Refused {
        host: String,
    },
    Timeout {
        host: String,
    },
    Tls {
        host: String,
        detail: String,
    },
    /// The server answered with something that is not the protocol's shape.
    BadResponse {
        host: String,
        status: u16,
        detail: String,
    },
    /// A mail server sent more than any real one does (an endless line,
    /// megabytes of data): it was cut off before it could exhaust memory.
    Overflow {
        host: String,
        detail: String,
    },
    Other {
        host: String,
        detail: String,
    },
}

impl TransportError {
    pub fn diagnose(&self) -> Diagnosis {
        let proxy = "If this network needs a proxy, set HTTPS_PROXY for Mailwarden.".to_owned();
        match self {
            TransportError::Dns { host } => Diagnosis::new(
                "network_dns",
                format!("{host} could not be found"),
                "The name did not resolve: no network, a typing error in a host or authority URL, or a DNS problem.",
                vec!["Check the network connection.".into(), format!("Check the spelling of {host} in this profile."), proxy],
            ),
            TransportError::Refused { host } => Diagnosis::new(
                "network_refused",
                format!("{host} refused the connection"),
                "Nothing accepted the connection at that address and port, or a firewall rejected it.",
                vec![format!("Check the host and port for {host}."), "Check that a firewall allows outgoing connections to it.".into(), proxy],
            ),
            TransportError::Timeout { host } => Diagnosis::new(
                "network_timeout",
                format!("{host} did not answer in time"),
                "The connection or the answer took too long: a slow or filtered network, or the server is down.",
                vec!["Try again in a minute.".into(), "Check that a firewall or proxy is not silently dropping the connection.".into(), proxy],
            ),
            TransportError::Tls { host, detail } => Diagnosis::new(
                "tls",
                format!("The secure connection to {host} failed"),
                format!("The server's certificate was not trusted or TLS could not be agreed ({detail}). A corporate proxy that inspects TLS causes this when its certificate is not trusted."),
                vec![
                    "If your network inspects TLS, install the proxy's CA certificate in the system trust store,".into(),
                    "or point MAILWARDEN_CA_FILE at that CA certificate (PEM).".into(),
                    "Check the system clock: a wrong date makes valid certificates look expired.".into(),
                ],
            ),
            TransportError::BadResponse { host, status, detail } => Diagnosis::new(
                "bad_response",
                format!("{host} answered unexpectedly (HTTP {status})"),
                format!("The answer was not an OAuth response ({detail}). A proxy or captive portal may be answering instead of the identity provider."),
                vec!["Check the authority / token URL in this profile.".into(), proxy],
            ),
            TransportError::Overflow { host, detail } => Diagnosis::new(
                "network_overflow",
                format!("{host} sent an answer no mail server sends"),
                format!("The connection was closed because {detail}. Something other than a mail server may be answering at that address and port (a proxy, a misconfigured service), or someone on the network path is interfering (before STARTTLS, anyone on the path can)."),
                vec![
                    format!("Check the host and port for {host} in this profile."),
                    "Try a port with implicit TLS (SMTP 465, IMAP 993) so nothing on the path can change the conversation.".into(),
                    "If it keeps happening, ask the network administrator what answers at that address.".into(),
                ],
            ),
            TransportError::Other { host, detail } => Diagnosis::new(
                "network",
                format!("Could not reach {host}"),
                format!("The request failed before an answer arrived ({detail})."),
                vec!["Check the network connection and try again.".into(), proxy],
            ),
        }
    }
}
