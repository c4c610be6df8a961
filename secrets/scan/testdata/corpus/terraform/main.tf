provider "aws" {
  region     = "eu-north-1"
  access_key = "AKIAZCK7SARGQFAKEKEY"
  secret_key = "ck8sargoFAKEsecretKEY0000000000000000FAKE"
}
