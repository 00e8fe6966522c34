terraform {
  required_version = ">= 1.6"
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
    }
  }

  # State lives in a bucket of the environment's project, created once by hand before the first init
  # (README, Deploy): terraform init -backend-config="bucket=PROJECT-tfstate"
  backend "gcs" {
    prefix = "charla"
  }
}

provider "google" {
  project = var.project
  region  = var.region
}
