//! serenity's event handler: each gateway event is acknowledged where Discord needs it, turned
//! into one engine event keyed by its Discord id (a redelivered event is handled once), and the
//! runner is woken to deliver what it caused. No refund logic lives here.

use super::Discord;
use crate::domain::Platform;
use crate::events::Inbound;
use crate::language::Language;
use crate::replies::Reply;
use crate::runner::Wake;
use serde_json::{json, Value};
use serenity::all::{
    ActionRowComponent, ComponentInteraction, Context, EventHandler, Interaction, Member, ModalInteraction, Reaction,
    ReactionType, Ready,
};
use serenity::async_trait;
use std::sync::Arc;

pub struct Handler {
    pub discord: Arc<Discord>,
    pub wake: Wake,
}

fn roles_of(member: Option<&Member>) -> Vec<String> {
    member.map(|m| m.roles.iter().map(|r| r.to_string()).collect()).unwrap_or_default()
}

/// The interaction callback Discord wants within 3 seconds, before any slower work.
async fn respond(ctx: &Context, id: serenity::all::InteractionId, token: &str, body: Value) {
    if let Err(error) = ctx.http.create_interaction_response(id, token, &body, vec![]).await {
        tracing::warn!(%error, "interaction callback failed");
    }
}

impl Handler {
    /// The answer in the channel where a conversation was started: "look in your DMs", in the
    /// language of the person's Discord client where a locale has it.
    fn started(&self, language: Option<Language>) -> Value {
        let text = self.discord.app.engine.render_in(language, &Reply::DmStarted {}).unwrap_or_else(|error| {
            tracing::error!(%error, "rendering dm_started failed");
            String::new()
        });
        json!({"type": 4, "data": {"content": text, "flags": 64}})
    }

    /// `language`: the person's Discord locale, which interactions carry (messages do not).
    async fn handle(&self, key: String, event: Inbound, language: Option<Language>) {
        let now = chrono::Utc::now();
        match self.discord.app.engine.handle_once_in(Platform::Discord, &key, &event, language, now).await {
            Ok(true) => self.wake.wake(),
            Ok(false) => tracing::debug!(%key, "duplicate gateway event skipped"),
            Err(error) => tracing::error!(%key, %error, "handling a Discord event failed"),
        }
    }

    /// `/refund` and the panel button both open a conversation in the customer's DMs.
    async fn start(&self, key: String, user: String, language: Option<Language>) {
        let event = Inbound::dm(user, "I'd like a refund");
        self.handle(key, event, language).await;
    }

    async fn on_component(&self, ctx: &Context, component: ComponentInteraction) {
        let key = format!("discord:interaction:{}", component.id);
        let user = component.user.id.to_string();
        let language = Language::from_tag(&component.locale);
        if component.data.custom_id == "panel:refund" {
            respond(ctx, component.id, &component.token, self.started(language)).await;
            return self.start(key, user, language).await;
        }
        let form = self.discord.app.engine.form_behind(&component.data.custom_id).await;
        if let Some(draft) = form.unwrap_or_else(|error| {
            tracing::error!(%error, "reading the form behind a button failed");
            None
        }) {
            let modal = json!({"type": 9, "data": {
                "custom_id": component.data.custom_id, "title": "Edit the reply",
                "components": [{"type": 1, "components": [{
                    "type": 4, "custom_id": "text", "style": 2, "label": "Reply to the customer",
                    "value": draft, "max_length": 2000, "required": true
                }]}]
            }});
            return respond(ctx, component.id, &component.token, modal).await;
        }
        respond(ctx, component.id, &component.token, json!({"type": 6})).await;
        let roles = roles_of(component.member.as_ref());
        let event = Inbound::Click { user, button: component.data.custom_id, roles, name: None };
        self.handle(key, event, language).await;
    }

    async fn on_modal(&self, ctx: &Context, modal: ModalInteraction) {
        respond(ctx, modal.id, &modal.token, json!({"type": 6})).await;
        let text = modal
            .data
            .components
            .iter()
            .flat_map(|row| row.components.iter())
            .find_map(|c| match c {
                ActionRowComponent::InputText(input) => input.value.clone(),
                _ => None,
            })
            .unwrap_or_default();
        let event = Inbound::Submit {
            user: modal.user.id.to_string(),
            button: modal.data.custom_id.clone(),
            text,
            roles: roles_of(modal.member.as_ref()),
        };
        self.handle(format!("discord:interaction:{}", modal.id), event, Language::from_tag(&modal.locale)).await;
    }
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, "Discord gateway ready");
        self.discord.health.set(super::PLATFORM, true);
        // The gateway does not replay direct messages sent while the bot was away: read them
        // for the live cases, beside the events that arrive from now on.
        let (discord, wake) = (self.discord.clone(), self.wake.clone());
        tokio::spawn(async move {
            match discord.catch_up().await {
                Ok(0) => {}
                Ok(missed) => {
                    tracing::info!(missed, "relayed direct messages sent while the bot was away");
                    wake.wake();
                }
                Err(error) => tracing::error!(error = %format!("{error:#}"), "catching up on direct messages failed"),
            }
        });
    }

    async fn message(&self, _ctx: Context, message: serenity::all::Message) {
        // The bot's own posts (relays too) are never read back as someone writing.
        if message.author.bot || message.author.id.to_string() == self.discord.bot_user_id {
            return;
        }
        if message.guild_id.is_some() {
            // In the server only a case thread's messages mean something; other chatter not.
            if let Some(event) = self.discord.thread_message(&message).await {
                self.handle(format!("discord:message:{}", message.id), event, None).await;
            }
            return;
        }
        let user = message.author.id.to_string();
        self.discord.remember_dm_channel(&user, message.channel_id);
        let key = format!("discord:message:{}", message.id);
        let text = super::threads::with_attachments(&message);
        self.handle(key, Inbound::dm(user, text), None).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) if command.data.name == "refund" => {
                let language = Language::from_tag(&command.locale);
                respond(&ctx, command.id, &command.token, self.started(language)).await;
                let key = format!("discord:interaction:{}", command.id);
                self.start(key, command.user.id.to_string(), language).await;
            }
            Interaction::Component(component) => self.on_component(&ctx, component).await,
            Interaction::Modal(modal) => self.on_modal(&ctx, modal).await,
            _ => {}
        }
    }

    /// Raw reaction events: no message cache needed, so escalations posted before a restart
    /// are still decided by reacting to them.
    async fn reaction_add(&self, _ctx: Context, reaction: Reaction) {
        let Some(user) = reaction.user_id.map(|u| u.to_string()) else {
            return;
        };
        if user == self.discord.bot_user_id {
            return;
        }
        let ReactionType::Unicode(emoji) = &reaction.emoji else {
            return;
        };
        let store = self.discord.app.engine.store();
        let ours = store.message_for_platform_id(super::PLATFORM, &reaction.message_id.to_string()).await;
        let message = match ours {
            Ok(Some(message)) => message,
            // Not one of ours (or no longer known): nothing to decide.
            Ok(None) => return,
            Err(error) => return tracing::error!(%error, "looking up a reacted message failed"),
        };
        let key = format!("discord:reaction:{}:{user}:{emoji}", reaction.message_id);
        let event = Inbound::React {
            user,
            message: message.to_string(),
            emoji: emoji.clone(),
            roles: roles_of(reaction.member.as_ref()),
        };
        self.handle(key, event, None).await;
    }
}
