"""The webhooks API: createWebhook, rotateWebhookSecret, disableWebhook, enableWebhook, redeliver; webhooks, webhook
and webhookDeliveries (the delivery log and, by status, the dead-letter list). May import `app.graphql.core` and
`app.fanout`."""
