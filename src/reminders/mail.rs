//! The mailer: lettre's file transport (`.eml` files, the embedded default) or SMTP over rustls.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{MailSettings, MailTransportKind};
use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub enum Mailer {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
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
        match settings.transport {
            MailTransportKind::File => {
                std::fs::create_dir_all(&settings.file_dir).map_err(|e| {
                    AppError::internal(format!(
                        "cannot create mail.file_dir {}: {e}",
                        settings.file_dir.display()
                    ))
                })?;
                Ok(Mailer::File(AsyncFileTransport::new(&settings.file_dir)))
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
                    .timeout(Some(Duration::from_secs(20)))
                    .pool_config(pool)
                    .build();
                Ok(Mailer::Smtp(transport))
            }
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), String> {
        match self {
            Mailer::File(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Mailer::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
        }
    }
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
