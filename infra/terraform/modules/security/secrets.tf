# Every secret the code reads, named where the code finds the names: the channels' credentials in
# shared/contracts/channel_secrets.json, the console's keys in shared/contracts/console.json, the web chat's
# visitor key in shared/contracts/webchat.json,
# and the channel accounts that use their own secret (workspace.yaml channels[].secrets) in
# var.account_secrets. Terraform creates the secrets, never their values: ops add those with
# `gcloud secrets versions add` (README, Deploy), so no credential ever sits in Terraform state.
locals {
  contracts       = "${path.module}/../../../../shared/contracts"
  channel_secrets = jsondecode(file("${local.contracts}/channel_secrets.json")).channels
  console         = jsondecode(file("${local.contracts}/console.json"))
  webchat         = jsondecode(file("${local.contracts}/webchat.json"))

  secret_names = toset(concat(
    flatten([for channel, roles in local.channel_secrets : values(roles)]),
    [local.console.session_key_secret, local.console.two_factor_key_secret],
    [local.webchat.visitor_key_secret],
    [for account in var.account_secrets : account.secret],
  ))
}

resource "google_secret_manager_secret" "secret" {
  for_each  = local.secret_names
  secret_id = each.value
  labels    = var.labels

  replication {
    auto {}
  }
}
