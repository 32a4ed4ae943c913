//! The mailer: `.eml` files (the embedded default; private, as lettre's file transport would not
//! make them) or SMTP over rustls.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTransportKind};
use crate::error::{AppError, AppResult};

/// The mail transport and the most one message may take (`mail.timeout_seconds`).
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    timeout: Duration,
}

#[derive(Clone)]
enum Transport {
    /// The directory of `.eml` files. Written here rather than by lettre's file transport, whose
    /// files take the umask's mode: they carry live reset links, so they are 0600 from the start.
    File(PathBuf),
    Smtp(Arc<Smtp>),
}

/// The pooled SMTP transport. lettre's pool spawns its shutdown on the Tokio runtime when the
/// last handle is dropped, and panics ("there is no reactor running") when that happens outside
/// one, as it does at shutdown when the HTTP workers' runtimes are gone first. Dropped outside a
/// runtime, it is dropped inside a small one made for the purpose.
struct Smtp(Option<AsyncSmtpTransport<Tokio1Executor>>);

impl Drop for Smtp {
    fn drop(&mut self) {
        let Some(transport) = self.0.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_ok() {
            drop(transport);
            return;
        }
        match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(async move { drop(transport) }),
            // No runtime can be made: leaking the pool at exit beats a panic.
            Err(_) => std::mem::forget(transport),
        }
    }
}

/// One message to build: plain text always, HTML when given.
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// A stable Message-ID (without angle brackets) lets receivers drop a duplicate delivery.
    pub message_id: Option<String>,
}

impl Mailer {
    /// Must run inside a Tokio runtime: the pooled SMTP transport spawns on it.
    pub fn from_settings(settings: &MailSettings, concurrency: usize) -> AppResult<Mailer> {
        let timeout = Duration::from_secs(settings.timeout_seconds.max(1));
        let transport = match settings.transport {
            MailTransportKind::File => {
                crate::fsutil::private_dir(&settings.file_dir).map_err(|e| match e {
                    AppError::Internal(cause) => {
                        AppError::internal(format!("mail.file_dir: {cause}"))
                    }
                    other => other,
                })?;
                Transport::File(settings.file_dir.clone())
            }
            MailTransportKind::Smtp => {
                let url = settings
                    .smtp_url
                    .as_deref()
                    .ok_or_else(|| AppError::internal("mail.smtp_url is required"))?;
                // from_url understands smtp:// (plain), smtp://..?tls=required (STARTTLS) and smtps://.
                // One pooled connection per message in flight: lettre writes a message's end in a
                // separate small packet, so a connection waits on the server's delayed ACK (~40 ms)
                // per message and throughput comes from connections side by side.
                let pool = PoolConfig::new().max_size(concurrency.max(1) as u32);
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| AppError::internal(format!("mail.smtp_url: {e}")))?
                    // Per step (connecting, each command); the whole send is bounded in `send`.
                    .timeout(Some(timeout))
                    .pool_config(pool)
                    .build();
                Transport::Smtp(Arc::new(Smtp(Some(transport))))
            }
        };
        Ok(Mailer { transport, timeout })
    }

    /// Sends one message, the whole conversation bounded by `mail.timeout_seconds`: a server that
    /// accepts and then says nothing makes a failed try, not a stalled worker.
    pub async fn send(&self, message: Message) -> Result<(), String> {
        let sending = async {
            match &self.transport {
                Transport::File(dir) => write_eml(dir, &message).await,
                Transport::Smtp(t) => match &t.0 {
                    Some(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
                    None => Err("the SMTP transport is shut down".to_string()),
                },
            }
        };
        match tokio::time::timeout(self.timeout, sending).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "no complete answer within {} s (mail.timeout_seconds)",
                self.timeout.as_secs()
            )),
        }
    }

    /// The most one message may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// Writes `message` as `<uuid>.eml` (as lettre's file transport names them), mode 0600, whole
/// or not at all (a full disk leaves no partial message to be taken for a sent one; the try
/// fails and is retried), off the async workers.
async fn write_eml(dir: &Path, message: &Message) -> Result<(), String> {
    let path = dir.join(format!("{}.eml", uuid::Uuid::new_v4()));
    let bytes = message.formatted();
    tokio::task::spawn_blocking(move || crate::fsutil::write_private_whole(&path, &bytes))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Builds the MIME message; errors (a bad address) are reported, never panicked on.
pub fn build(from: &str, mail: Outgoing) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("mail.from: {e}"))?;
    let to: Mailbox = mail.to.parse().map_err(|e| format!("recipient: {e}"))?;
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject)
        .message_id(mail.message_id.map(|id| format!("<{id}>")));
    let result = match mail.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(mail.text, html)),
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(mail.text),
        ),
    };
    result.map_err(|e| e.to_string())
}
