// biome-ignore-all lint/suspicious/noTemplateCurlyInString: samples hold literal `${VAR}` references on purpose.
import type { CorpusSample } from "./corpus-sample.js";

/**
 * Credentials from other scanners' public test samples (gitleaks rule tests and their sample forms, detect-secrets
 * plugin tests, trufflehog), one entry per sample. Generated values are slots, filled as gitleaks generates them;
 * literal values from those tests carry a `{·}` break, removed when the corpus is read, so this file holds no
 * contiguous token. Assembled after the rules were written; not used to tune them (see ./README.md).
 */
export const TRUE_POSITIVES: readonly CorpusSample[] = [
  {
    family: "aws",
    source: "gitleaks cmd/generate/config/rules/aws.go",
    text: 'AWSToken="AKIALAL{·}EMEL33243OLIB"',
  },
  {
    family: "aws",
    source: "gitleaks cmd/generate/config/rules/aws.go",
    text: "AWS_token: AKIALAL{·}EMEL33243OLIB",
  },
  {
    family: "aws",
    source: "gitleaks cmd/generate/config/rules/aws.go",
    text: 'String AWSToken = "AKIALAL{·}EMEL33243OLIB";',
  },
  {
    family: "aws",
    source: "gitleaks cmd/generate/config/rules/aws.go",
    text: 'AWS_TOKEN := "AKIALAL{·}EMEL33243OLIB"',
  },
  { family: "aws", source: "gitleaks cmd/generate/config/rules/aws.go", text: 'AWSToken = "AKIA{b32:16}"' },
  { family: "aws", source: "gitleaks cmd/generate/config/rules/aws.go", text: "AWS_token: 'AKIA{b32:16}'" },
  { family: "aws", source: "gitleaks cmd/generate/config/rules/aws.go", text: "AWSToken=ASIA{b32:16}" },
  { family: "aws", source: "gitleaks cmd/generate/config/rules/aws.go", text: 'AWS_token: "ASIA{b32:16}"' },
  { family: "aws", source: "gitleaks cmd/generate/config/rules/aws.go", text: "AWSToken = ABIA{b32:16}" },
  {
    family: "aws",
    source: "gitleaks cmd/generate/config/rules/aws.go",
    text: '{\n    "AWS_token": "ACCA{b32:16}"\n}',
  },
  {
    family: "gcp",
    source: "gitleaks cmd/generate/config/rules/gcp.go",
    text: '{"config.ini": "GCP_TOKEN=AIza{url:35}\\nBACKUP_ENABLED=true"}',
  },
  { family: "gcp", source: "gitleaks cmd/generate/config/rules/gcp.go", text: 'gcpToken := "AIza{url:35}"' },
  {
    family: "gcp",
    source: "gitleaks cmd/generate/config/rules/gcp.go",
    text: '  "gcpToken" => "AIza{url:35}"',
  },
  { family: "gcp", source: "gitleaks cmd/generate/config/rules/gcp.go", text: 'gcpToken = "AIza{url:35}"' },
  { family: "gcp", source: "gitleaks cmd/generate/config/rules/gcp.go", text: "gcp_token: 'AIza{url:35}'" },
  {
    family: "gcp",
    source: "gitleaks cmd/generate/config/rules/gcp.go",
    text: "AIzaSyNH{·}xIf32IQ1a1yjl3ZJIqKZqzLAK1XhDk-",
  },
  {
    family: "gcp-service-account",
    source: "gitleaks cmd/generate/config/rules/gcp.go",
    text: '{\n  "type": "service_account",\n  "project_id": "gitleaks-test",\n  "private_key_id": "{hex:40}",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE{·}vQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCy1yG25m+cplha\\n8h1Jmd9m15gGabp2Uk5B/lgHglYiE+TRH7GvLTg30x9FIoarZR5SLKWaSQ50JPNL\\npf5XlmiPmwRyY0hCQvDwPy0xX0iNCO/OGInGT0+oKXDtVb4e3NSp1sAmIVSVYyWg\\n-----END PRIVATE KEY-----\\n",\n  "client_email": "gitleaks-test@gitleaks-test.iam.gserviceaccount.com"\n}',
  },
  {
    family: "gcp-service-account",
    source: "gitleaks cmd/generate/config/rules/gcp.go",
    text: '{\n  "project_id": "gitleaks-test",\n  "private_key": "-----BEGIN PRIVATE KEY-----\\n{b64:60}\\n{b64:60}\\n{b64:60}\\n{b64:40}=\\n-----END PRIVATE KEY-----\\n",\n  "type": "service_account"\n}',
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: "client_secret=bP88{·}Q~rcBcYjzzOhg1Hnn76Wm3jGgakZiZ.8vMgR",
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: "client_secret: .IQ8{·}Q~79R7TOWOspFnWcEG-dYt4KXqFqxK16cxr",
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: "AUTH_CLIENTSECRET = _V28{·}Q~IC8qxmlWNpHuDm34JlbKv9LXV5MvUR3a-P",
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: '<value xsi:type="xsd:string">~Gg8{·}Q~nVhlLi2vpg_nXBGqFsbGK-t~Hus1JmTa0y</value>',
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: '"CLIENT_SECRET": "YYz7{·}Q~Sudoqwap1PnzEBA3zqBK~i5uesDIv.C"',
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: "Set-PSUAuthenticationMethod -Type 'OpenIDConnect' -CallbackPath '/auth/oidc' -ClientId 'fake' -ClientSecret '2Vq7{·}Q~q5VgKljZ7cb3.0sp0Apz.vOjRIPyeTr'",
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: 'client-secret: "t028{·}Q~-aLbmQuinnZtzbgtlEAYstnBWEmGPAoBm"',
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: '"cas.authn.azure-active-directory.client-secret=qHF8{·}Q~PCM5HhMoyTFc5TYEomnzR6Kim9UJhe8a.P",',
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: "Example= GN.7{·}Q~4AkLZBNEbz4Jxlm~O5G6SsyFxYg6zMR",
  },
  {
    family: "azure",
    source: "gitleaks cmd/generate/config/rules/azure.go",
    text: "(use the client secret: QtT8{·}Q~9C-_Ij~RouHVpD2Tuf3oHWGh.DQ3kcjbAn)",
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: "<githubToken>\n    ghp_{b62:36}\n</githubToken>",
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: "githubToken := `ghp_{b62:36}`",
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: 'github_TOKEN = "ghp_{b62:36}"',
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: "github_token: gho_{b62:36}",
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: 'String githubToken = "gho_{b62:36}";',
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: "github_token: 'ghu_{b62:36}'",
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: 'var githubToken = "ghu_{b62:36}"',
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: 'github_token: "ghs_{b62:36}"',
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: '$githubToken .= "ghs_{b62:36}"',
  },
  {
    family: "github",
    source: "gitleaks cmd/generate/config/rules/github.go",
    text: 'string githubToken = "ghr_{b62:36}";',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'var gitlabToken string = "glcbt-{b62:5}_{b62:20}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlabToken := "gldt-{b62:20}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: "gitlabToken := `glffct-{b62:20}`",
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'String gitlabToken = "glft-{b62:20}";',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'var gitlabToken = "glimt-{b62:25}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: '$gitlabToken .= "glagent-{b62:50}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: "gitlabToken = 'gloas-{b62:64}'",
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'System.setProperty("GITLAB_TOKEN", "glpat-{b62:20}")',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlabToken="glpat-{b62:20}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: '  "gitlabToken" => "glpat-{b62:27}.{b62:2}{b62:7}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlab_TOKEN = "glptt-{hex:40}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlab_TOKEN := "GR1348941{b62:20}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlab_TOKEN ::= "glrt-{b62:20}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlab_TOKEN :::= "glrt-t{dig:1}_{b62:27}.{b62:2}{b62:7}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlab_TOKEN ?= "glsoat-{b62:20}"',
  },
  {
    family: "gitlab",
    source: "gitleaks cmd/generate/config/rules/gitlab.go",
    text: 'gitlabToken="_gitlab_session={low:32}"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: 'botToken = "xoxb-781{·}236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: "bot_token: 'xoxb-781{·}236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD'",
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"bot_token2": "xoxb-263{·}594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1MBS"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"bot_token3": "xoxb-461{·}4724432022-5152386766518-O5WzjWGLG0wcCm2WPrjEmnys"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"bot_token4": "xoxb-{dig:13}-{dig:12}-{b62:24}"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: "userToken=xoxp-416{·}84372915-1320496754-45609968301-e708ba56e1517a99f6b5fb07349476ef",
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: 'user_token: "xoxp-416{·}84372915-1320496754-45609968301-e708ba56e1517a99f6b5fb07349476ef"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"user_token2": "xoxp-283{·}316862324-298911817009-298923149681-44f585044dace54f5701618e97cd1c0b"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"user_token5": "xoxp-461{·}4724432022-4621207627011-5182682871568-1ddad9823e8528ad0f4944dfa3c6fc6c"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"url_private": "https:\\/\\/files.slack.com\\/files-pri\\/T04MCQMEXQ9-F04MAA1PKE3\\/image.png?t=xoxe-472{·}6837507825-4848681849303-4856614048758-e0b1f3d4cb371f92260edb0d9444d206"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"token2": "xapp-1-IE{·}MF8IMY1OQ-4037076220459-85c370b433e366de369c4ef5abdf41253519266982439a75af74a3d68d543fb6"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"token4": "xapp-1-A{dig:10}-{dig:13}-{low:64}"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"access_token1": "xoxe.xoxp-1-Mi0y{·}LTM0MTQwNDE0MDE3Ni0zNjU5NDY0Njg4MTctNTE4MjA3NTQ5NjA4MC01NDEyOTYyODY5NzUxLThhMTBjZmI1ZWIzMGIwNTg0ZDdmMDI5Y2UxNzVlZWVhYzU2ZWQyZTZiODNjNDZiMGUxMzRlNmNjNDEwYmQxMjQ"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"refresh_token3": "xoxe-1-{b62:146}"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"bot_token2": "xoxb-282{·}029623751-BVtmnS3BQitmjZvjpQL7PSGP"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"bot_token4": "xoxb-123{·}456789012-Xw937qtWSXJss1lFaKe"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"bot_token9": "xoxb-500{·}14434-slacktokenx29U9X1bQ"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"access_token": "xoxa-2-511{·}111111-31111111111-3111111111111-e039d02840a0b9379c"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"refresh_token2": "xoxr-{b62:12}',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"access_token1": "xoxs-320{·}6092076-3204538285-3743137121-836b042620"',
  },
  {
    family: "slack",
    source: "gitleaks cmd/generate/config/rules/slack.go",
    text: '"access_token3": "xoxs-420{·}083410720-421837374423-440811613314-977844f625b707d5b0b268206dbc92cbc85feef3e71b08e44815a8e6e7657190"',
  },
  {
    family: "stripe",
    source: "gitleaks cmd/generate/config/rules/stripe.go",
    text: 'stripeToken := "sk_test_{b62:30}"',
  },
  {
    family: "stripe",
    source: "detect-secrets tests/plugins/stripe_key_test.py",
    text: "sk_live_ReT{·}llpYQYfIZu2Jnf2lAPFjD",
  },
  {
    family: "stripe",
    source: "detect-secrets tests/plugins/stripe_key_test.py",
    text: "rk_live_5Tc{·}WfjKmJgpql9hjpRnwRXbT",
  },
  {
    family: "stripe",
    source: "gitleaks cmd/generate/config/rules/stripe.go",
    text: "stripeToken = sk_live_{b62:24}",
  },
  {
    family: "stripe",
    source: "gitleaks cmd/generate/config/rules/stripe.go",
    text: 'string stripeToken = "sk_live_{b62:24}";',
  },
  {
    family: "stripe",
    source: "gitleaks cmd/generate/config/rules/stripe.go",
    text: '{\n    "stripe_token": "rk_test_{b62:24}"\n}',
  },
  {
    family: "stripe",
    source: "gitleaks cmd/generate/config/rules/stripe.go",
    text: 'var stripeToken string = "rk_test_{b62:24}"',
  },
  {
    family: "vault",
    source: "gitleaks cmd/generate/config/rules/hashicorp_vault.go",
    text: 'vault_api_token = "s.{dig:1}{b62:23}"',
  },
  {
    family: "vault",
    source: "gitleaks cmd/generate/config/rules/hashicorp_vault.go",
    text: "token: s.ZC9{·}Ecf4M5g9o34Q6RkzGsj0z",
  },
  {
    family: "vault",
    source: "gitleaks cmd/generate/config/rules/hashicorp_vault.go",
    text: 'vault_api_token = "hvs.{dig:1}{url:89}"',
  },
  {
    family: "vault",
    source: "gitleaks cmd/generate/config/rules/hashicorp_vault.go",
    text: '-vaultToken hvs.CAE{·}SIP2jTxc9S2K7Z6CtcFWQv7-044m_oSsxnPE1H3nF89l3GiYKHGh2cy5sQmlIZVNyTWJNcDRsYWJpQjlhYjVlb1cQh6PL8wEYAg"',
  },
  {
    family: "vault",
    source: "gitleaks cmd/generate/config/rules/hashicorp_vault.go",
    text: '{"config.ini": "VAULT_TOKEN=hvb.{url:138}\\nBACKUP_ENABLED=true"}',
  },
  {
    family: "vault",
    source: "gitleaks cmd/generate/config/rules/hashicorp_vault.go",
    text: "hvb.AAA{·}AAQJgxDgqsGNorpoOR7hPZ5SU-ynBvCl764jyRP_fnX7WvkdkDzGjbLNGdPdtlY33Als2P36yDZueqzfdGw9RsaTeaYXSH7E4RYSWuRoQ9YRKIw8o7mDDY2ZcT3KOB7RwtW1w1FN2eDqcy_sbCjXPaM1iBVH-mqMSYRmRd2nb5D1SJPeBzIYRqSglLc31wUGN7xEzyrKUczqOKsIcybQA",
  },
  {
    family: "terraform",
    source: "gitleaks cmd/generate/config/rules/hashicorp.go",
    text: "<hashicorpTokenToken>\n    {hex:14}.atlasv1.{ext:64}\n</hashicorpTokenToken>",
  },
  {
    family: "terraform",
    source: "gitleaks cmd/generate/config/rules/hashicorp.go",
    text: "hashicorpTokenToken := `{hex:14}.atlasv1.{ext:64}`",
  },
  {
    family: "terraform",
    source: "gitleaks cmd/generate/config/rules/hashicorp.go",
    text: 'hashicorpToken_TOKEN = "{hex:14}.atlasv1.{ext:64}"',
  },
  {
    family: "terraform",
    source: "gitleaks cmd/generate/config/rules/hashicorp.go",
    text: "hashicorpTokenToken={hex:14}.atlasv1.{ext:64}",
  },
  {
    family: "terraform",
    source: "gitleaks cmd/generate/config/rules/hashicorp.go",
    text: '#token = "hE1{·}hlYILrSqpqh.atlasv1.ARjZuyzl33F71WR55s6ln5GQ1HWIwTDDH3MiRjz7OnpCfaCb1RCF5zGaSncCWmJdcYA"',
  },
  {
    family: "terraform",
    source: "gitleaks cmd/generate/config/rules/hashicorp.go",
    text: 'administrator_login_password = "thisIsDog11"',
  },
  {
    family: "terraform",
    source: "gitleaks cmd/generate/config/rules/hashicorp.go",
    text: 'password       = "rootpasswd"',
    policy: "`rootpasswd`: a documentation password",
  },
  {
    family: "heroku",
    source: "gitleaks cmd/generate/config/rules/heroku.go",
    text: 'const HEROKU_KEY = "638{·}66443-cb87-446f-8bf0-80e9be787301"',
  },
  {
    family: "heroku",
    source: "gitleaks cmd/generate/config/rules/heroku.go",
    text: 'heroku_api_key = "832{·}d2129-a846-4e27-99f4-7004b6ad53ef"',
  },
  {
    family: "heroku",
    source: "gitleaks cmd/generate/config/rules/heroku.go",
    text: "heroku_token: HRKU-AA{url:58}",
  },
  {
    family: "heroku",
    source: "gitleaks cmd/generate/config/rules/heroku.go",
    text: 'String herokuToken = "HRKU-AA{url:58}";',
  },
  {
    family: "heroku",
    source: "gitleaks cmd/generate/config/rules/heroku.go",
    text: 'heroku_TOKEN := "HRKU-AA{url:58}"',
  },
  {
    family: "heroku",
    source: "gitleaks cmd/generate/config/rules/heroku.go",
    text: 'const KEY = "HRKU-AAl{·}Q1aVoHDujJ9QsDHdHlHO0hbzhoERRSO45ZQusSYHg_____w4_hLrAym_u""',
  },
  {
    family: "heroku",
    source: "gitleaks cmd/generate/config/rules/heroku.go",
    text: 'API_Key = "HRKU-AAy{·}9Ppr_HD2pPuTyIiTYInO0hbzhoERRSO93ZQusSYHgaD7_WQ07FnF7L9FX"',
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "huggingface_token: 'hf_{alpha:34}'",
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: 'var huggingfaceToken = "hf_{alpha:34}"',
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "huggingface-cli login --token hf_jCB{·}aQngSHiHDRYOcsMcifUcysGyaiybUWz",
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "huggingface-cli login --token hf_KjH{·}tiLyXDyXamXujmipxOfhajAhRQCYnge",
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: '-H "Authorization: Bearer hf_cYf{·}JAwnBfGcKRKxGwyGItlQlRSFYCLphgG"',
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "DEV=1 HF_TOKEN=hf_QNq{·}XrtFihRuySZubEgnUVvGcnENCBhKgGD poetry run python app.py",
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "use_auth_token='hf_orM{·}VXjZqzCQDVkNyxTHeVlyaslnzDJisex')",
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: 'CI_HUB_USER_TOKEN = "hf_hZE{·}mnoOEYISjraJtbySaKCNnSuYAvukaTt"',
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: '    parser.add_argument("--hf_token", type=str, default=\'hf_Rde{·}idRutJuADoVDqPyuIodVhcFnZIqXAfb\', help="Hugging Face Access Token to access PyAnnote gated models")',
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "api_org_Psv{·}VHMtfecsbsdScIMRjhReQYUBOZqOJTs",
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "`api_org_lYq{·}IcVkErvSNFcroWzxlrUNNdTZrfUvHBz`",
  },
  {
    family: "huggingface",
    source: "gitleaks cmd/generate/config/rules/huggingface.go",
    text: "os.environ['HUGGINGFACEHUB_API_TOKEN'] = 'api_org_Ypf{·}DOHSCnDkBFRXvtRaIIVRqGcXvbmhtRA'",
  },
  {
    family: "databricks",
    source: "gitleaks cmd/generate/config/rules/databricks.go",
    text: 'databricks_api_token = "dapi{hex:32}"',
  },
  {
    family: "databricks",
    source: "gitleaks cmd/generate/config/rules/databricks.go",
    text: 'databricks_token: "dapi{hex:32}"',
  },
  {
    family: "databricks",
    source: "gitleaks cmd/generate/config/rules/databricks.go",
    text: '$databricksToken .= "dapi{hex:32}"',
  },
  {
    family: "databricks",
    source: "gitleaks cmd/generate/config/rules/databricks.go",
    text: 'databricks_TOKEN :::= "dapi{hex:32}"',
  },
  {
    family: "digitalocean",
    source: "gitleaks cmd/generate/config/rules/digitalocean.go",
    text: 'string doToken = "dop_v1_{hex:64}";',
  },
  {
    family: "digitalocean",
    source: "gitleaks cmd/generate/config/rules/digitalocean.go",
    text: "doToken = 'dop_v1_{hex:64}'",
  },
  {
    family: "digitalocean",
    source: "gitleaks cmd/generate/config/rules/digitalocean.go",
    text: 'do_TOKEN ?= "dop_v1_{hex:64}"',
  },
  {
    family: "digitalocean",
    source: "gitleaks cmd/generate/config/rules/digitalocean.go",
    text: 'var doToken string = "doo_v1_{hex:64}"',
  },
  {
    family: "digitalocean",
    source: "gitleaks cmd/generate/config/rules/digitalocean.go",
    text: 'System.setProperty("DO_TOKEN", "doo_v1_{hex:64}")',
  },
  {
    family: "digitalocean",
    source: "gitleaks cmd/generate/config/rules/digitalocean.go",
    text: 'doToken := "dor_v1_{hex:64}"',
  },
  {
    family: "digitalocean",
    source: "gitleaks cmd/generate/config/rules/digitalocean.go",
    text: '  "doToken" => "dor_v1_{hex:64}"',
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: "shopifyToken := `shpss_{hex:32}`",
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: 'shopify_TOKEN = "shpss_{hex:32}"',
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: 'String shopifyToken = "shpat_{hex:32}";',
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: 'shopify_TOKEN := "shpat_{hex:32}"',
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: 'var shopifyToken = "shpca_{hex:32}"',
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: 'shopify_TOKEN ::= "shpca_{hex:32}"',
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: '$shopifyToken .= "shppa_{hex:32}"',
  },
  {
    family: "shopify",
    source: "gitleaks cmd/generate/config/rules/shopify.go",
    text: 'shopify_TOKEN :::= "shppa_{hex:32}"',
  },
  {
    family: "mailgun",
    source: "gitleaks cmd/generate/config/rules/mailgun.go",
    text: 'mailgun_api_token = "key-{hex:32}"',
  },
  {
    family: "mailgun",
    source: "gitleaks cmd/generate/config/rules/mailgun.go",
    text: 'mailgun_api_token = "{hex:32}-00001111-22223333"',
  },
  {
    family: "mailgun",
    source: "gitleaks cmd/generate/config/rules/mailgun.go",
    text: "mailgunToken = 'key-{hex:32}'",
  },
  {
    family: "mailgun",
    source: "gitleaks cmd/generate/config/rules/mailgun.go",
    text: 'mailgun_TOKEN ?= "key-{hex:32}"',
  },
  {
    family: "twilio",
    source: "gitleaks cmd/generate/config/rules/twilio.go",
    text: 'System.setProperty("TWILIO_TOKEN", "SK{hex:32}")',
  },
  {
    family: "twilio",
    source: "gitleaks cmd/generate/config/rules/twilio.go",
    text: 'twilioToken="SK{hex:32}"',
  },
  {
    family: "twilio",
    source: "gitleaks cmd/generate/config/rules/twilio.go",
    text: "twilio_token: SK{hex:32}",
  },
  {
    family: "twilio",
    source: "gitleaks cmd/generate/config/rules/twilio.go",
    text: 'String twilioToken = "SK{hex:32}";',
  },
  {
    family: "twilio",
    source: "gitleaks cmd/generate/config/rules/twilio.go",
    text: 'twilio_TOKEN := "SK{hex:32}"',
  },
  {
    family: "sendgrid",
    source: "gitleaks cmd/generate/config/rules/sendgrid.go",
    text: 'sengridAPIToken_api_token = "SG.{ext:66}"',
  },
  {
    family: "sendgrid",
    source: "gitleaks cmd/generate/config/rules/sendgrid.go",
    text: '  "sendgridToken" => "SG.{url:22}.{url:43}"',
  },
  {
    family: "sendgrid",
    source: "gitleaks cmd/generate/config/rules/sendgrid.go",
    text: 'sendgridToken = "SG.{url:22}.{url:43}"',
  },
  {
    family: "sendgrid",
    source: "gitleaks cmd/generate/config/rules/sendgrid.go",
    text: "sendgrid_token: 'SG.{url:22}.{url:43}'",
  },
  {
    family: "doppler",
    source: "gitleaks cmd/generate/config/rules/doppler.go",
    text: 'doppler_api_token = "dp.pt.{b62:43}"',
  },
  {
    family: "doppler",
    source: "gitleaks cmd/generate/config/rules/doppler.go",
    text: 'doppler_TOKEN = "dp.pt.{b62:43}"',
  },
  {
    family: "doppler",
    source: "gitleaks cmd/generate/config/rules/doppler.go",
    text: "dopplerToken=dp.pt.{b62:43}",
  },
  {
    family: "doppler",
    source: "gitleaks cmd/generate/config/rules/doppler.go",
    text: 'doppler_token: "dp.pt.{b62:43}"',
  },
  {
    family: "postman",
    source: "gitleaks cmd/generate/config/rules/postman.go",
    text: 'postmanAPItoken_api_token = "PMAK-{hex:24}-{hex:34}"',
  },
  {
    family: "postman",
    source: "gitleaks cmd/generate/config/rules/postman.go",
    text: 'postman_TOKEN := "PMAK-{hex:24}-{hex:34}"',
  },
  {
    family: "postman",
    source: "gitleaks cmd/generate/config/rules/postman.go",
    text: "postmanToken = PMAK-{hex:24}-{hex:34}",
  },
  {
    family: "planetscale",
    source: "gitleaks cmd/generate/config/rules/planetscale.go",
    text: 'planetScale_TOKEN ::= "pscale_pw_{ext:32}"',
  },
  {
    family: "planetscale",
    source: "gitleaks cmd/generate/config/rules/planetscale.go",
    text: '{\n    "planetScale_token": "pscale_pw_{ext:32}"\n}',
  },
  {
    family: "planetscale",
    source: "gitleaks cmd/generate/config/rules/planetscale.go",
    text: 'planetScale_TOKEN :::= "pscale_tkn_{ext:43}"',
  },
  {
    family: "planetscale",
    source: "gitleaks cmd/generate/config/rules/planetscale.go",
    text: '{"config.ini": "PLANETSCALE_TOKEN=pscale_tkn_{ext:43}\\nBACKUP_ENABLED=true"}',
  },
  {
    family: "planetscale",
    source: "gitleaks cmd/generate/config/rules/planetscale.go",
    text: 'planetScale_TOKEN ?= "pscale_oauth_{ext:64}"',
  },
  {
    family: "planetscale",
    source: "gitleaks cmd/generate/config/rules/planetscale.go",
    text: "<planetScaleToken>\n    pscale_oauth_{ext:64}\n</planetScaleToken>",
  },
  {
    family: "pulumi",
    source: "gitleaks cmd/generate/config/rules/pulumi.go",
    text: 'pulumi-api-token_api_token = "pul-{hex:40}"',
  },
  {
    family: "pulumi",
    source: "gitleaks cmd/generate/config/rules/pulumi.go",
    text: 'pulumiToken="pul-{hex:40}"',
  },
  {
    family: "pulumi",
    source: "gitleaks cmd/generate/config/rules/pulumi.go",
    text: "pulumi_token: pul-{hex:40}",
  },
  {
    family: "linear",
    source: "gitleaks cmd/generate/config/rules/linear.go",
    text: 'linear_api_token = "lin_api_{b62:40}"',
  },
  {
    family: "linear",
    source: "gitleaks cmd/generate/config/rules/linear.go",
    text: 'linear_api_token = "{hex:32}"',
  },
  {
    family: "atlassian",
    source: "gitleaks cmd/generate/config/rules/atlassian.go",
    text: 'atlassian_api_token = "{b62:24}"',
  },
  {
    family: "atlassian",
    source: "gitleaks cmd/generate/config/rules/atlassian.go",
    text: 'confluence_api_token = "{b62:24}"',
  },
  {
    family: "atlassian",
    source: "gitleaks cmd/generate/config/rules/atlassian.go",
    text: 'jira_api_token = "{b62:24}"',
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: 'grafana-api-keyToken = "eyJrIjoi{b62:70}"',
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: "grafana-api-key_token: 'eyJrIjoi{b62:70}'",
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: "grafana-cloud-api-tokenToken=glc_{b62:32}",
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: 'grafana-cloud-api-token_token: "glc_{b62:32}"',
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: "loki_key: glc_eyJ{·}vIjoiNzQ0NTg3IiwibiI7InN0YWlrLTQ3NTgzMC1obC13cml0ZS1oYW5kc29uJG9raSIsImsiOiI4M2w3cmdYUlBoMTUyMW1lMU023nl5UDUiLCJtIjp7IOIiOiJ1cyJ9fQ==",
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: "grafana-service-account-tokenToken = glsa_{b62:32}_{hex:8}",
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: 'string grafana-service-account-tokenToken = "glsa_{b62:32}_{hex:8}";',
  },
  {
    family: "grafana",
    source: "gitleaks cmd/generate/config/rules/grafana.go",
    text: "'Authorization': 'Bearer glsa_pIT{·}qMOBIfNH2KL4PkXJqmTyQl0D9QGxF_486f63e1'",
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: '{\n    "openaiApiKey_token": "sk-{b62:20}T3BlbkFJ{b62:20}"\n}',
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: 'var openaiApiKeyToken string = "sk-{b62:20}T3BlbkFJ{b62:20}"',
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: 'System.setProperty("OPENAIAPIKEY_TOKEN", "sk-{b62:20}T3BlbkFJ{b62:20}")',
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: "sk-proj-Sev{·}zWEV_NmNnMndQ5gn6PjFcX_9ay5SEKse8AL0EuYAB0cIgFW7Equ3vCbUbYShvii6L3rBw3WT3BlbkFJdD9FqO9Z3BoBu9F-KFR6YJtvW6fUfqg2o2Lfel3diT3OCRmBB24hjcd_uLEjgr9tCqnnerVw8A",
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: "sk-proj-pBd{·}aVZqlIfO5ajF9Gmg6Zq9Hlxaf_6lO6nxwlLOsYlXfg417LExcnpK1cQg4sDUOC_APpcA1OST3BlbkFJVH3Na-MVcBBXrWlVGNCme7WRJQxqE43p1-LgHZSF1o-yv3QQimfMb48ES40JDsFuqqbqnx5moA",
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: "sk-svcacct-0Zk{·}r4NUd4f_6LkfHfi3LlC8xKZQePXJCb21UiUWGX0F3_-6jv9PpY9JtaoooN9CCUPltpFiamwT3BlbkFJZVaaY7Z2aq_-I96dwiXeKVhRNi8Hs7uGmCFv5VTi2SxzmUsRgJoUJCbgPFWSXYDPPbYHJAuwIA",
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: "sk-svcacct-jCX{·}pXf55RDUc53mTOyb0o-ev528lRQp-ccxlemG1k9BlH3DRbR3sShN_OGcUy10LjOylzuvZOKT3BlbkFJjjaWA66JCJA_ZUbSy_21qWJJyocRLc86h5482fiwB_QOA3SxhRX351wVDMQRmhWvLiUfHVnREA",
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: "sk-admin-JWA{·}RXiHjpLXSh6W_0pFGb3sW7yr0cKheXXtWGMY0Q8kbBNqsxLskJy0LCOT3BlbkFJgTJWgjMvdi6YlPvdXRqmSlZ4dLK-nFxUG2d9Tgaz5Q6weGVNBaLuUmMV4A",
  },
  {
    family: "openai",
    source: "gitleaks cmd/generate/config/rules/openai.go",
    text: "sk-admin-OYh{·}8ozcxZzb-vq8fTGSha75cs2j7KTUKzHUh0Yck83WSzdUtmXO76SojXbT3BlbkFJ0ofJOiuHGXKUuhUGzxnVcK3eHvOng9bmhax8rIpHKeq-WG_p17HwOy2TQA",
  },
  {
    family: "anthropic",
    source: "gitleaks cmd/generate/config/rules/anthropic.go",
    text: "sk-ant-api03-abc{·}123xyz-456def789ghij-klmnopqrstuvwx-3456yza789bcde-1234fghijklmnopby56aaaogaopaaaabc123xyzAA",
  },
  {
    family: "anthropic",
    source: "gitleaks cmd/generate/config/rules/anthropic.go",
    text: 'anthropic_api_token = "sk-ant-api03-{url:93}AA"',
  },
  {
    family: "anthropic",
    source: "gitleaks cmd/generate/config/rules/anthropic.go",
    text: "sk-ant-admin01-abc{·}12fake-456def789ghij-klmnopqrstuvwx-3456yza789bcde-12fakehijklmnopby56aaaogaopaaaabc123xyzAA",
    policy: "holds `fake`",
  },
  {
    family: "anthropic",
    source: "gitleaks cmd/generate/config/rules/anthropic.go",
    text: 'anthropic_api_token = "sk-ant-admin01-{url:93}AA"',
  },
  {
    family: "anthropic",
    source: "gitleaks cmd/generate/config/rules/anthropic.go",
    text: '{"config.ini": "ANTHROPIC_TOKEN=sk-ant-oat01-{url:100}\\nBACKUP_ENABLED=true"}',
  },
  {
    family: "anthropic",
    source: "gitleaks cmd/generate/config/rules/anthropic.go",
    text: 'anthropicToken := "sk-ant-oat01-{url:100}"',
  },
  {
    family: "anthropic",
    source: "gitleaks cmd/generate/config/rules/anthropic.go",
    text: "<anthropicToken>\n    sk-ant-ort01-{url:100}\n</anthropicToken>",
  },
  {
    family: "1password",
    source: "gitleaks cmd/generate/config/rules/1password.go",
    text: '1password_api_token = "ops_eyJ{b64:260}"',
  },
  {
    family: "1password",
    source: "gitleaks cmd/generate/config/rules/1password.go",
    text: "### 1Password System Vault Name\nexport OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ{·}zaWduSW5BZGRyZXNzIjoibXkuMXBhc3N3b3JkLmNvbSIsInVzZXJBdXRoIjp7Im1ldGhvZCI6IlNSUGctNDA5NiIsImFsZyI6IlBCRVMyZy1IUzI1NiIsIml0ZXJhdGlvbnMiOjY1MdAwMCwic2FsdCI6InE2dE0tYzNtRDhiNUp2OHh1YVzsUmcifSwiZW1haWwiOiJ5Z3hmcm0zb21oY3NtQDFwYXNzd29yZHNlcnZpY2VhY2NvdW50cy5jb20iLCJzcnBYIjoiM2E5NDdhZmZhMDQ5NTAxZjkxYzk5MGFiY2JiYWRlZjFjMjM5Y2Q3YTMxYmI1MmQyZjUzOTA2Y2UxOTA1OTYwYiIsIm11ayI6eyJhbGciOiJBMjU2R0NNIiwiZXh0Ijp0cnVlLCJrIjoiVVpleERsLVgyUWxpa0VqRjVUUjRoODhOd29ZcHRqSHptQmFTdlNrWGZmZyIsImtleV9vcHMiOlsiZW5jcnlwdCIsImRlY3J5cHQiXSwia3R5Ijoib2N0Iiwia2lkIjoibXAifSwic2VjcmV0S2V5IjoiQTMtNDZGUUVNLUVZS1hTQS1NUU0yUy04U0JSUS01QjZGUC1HS1k2ViIsInRocm90dGxlU2VjcmV0Ijp7InNlZWQiOiJjZmU2ZTU0NGUxZTlmY2NmZjJlYjBhYWZmYTEzNjZlMmE2ZmUwZDVlZGI2ZTUzOTVkZTljZmY0NDY3NDUxOGUxIiwidXVpZCI6IjNVMjRMNVdCNkpFQ0pEQlhJNFZOSTRCUzNRIn0sImRldmljZVV1aWQiOiJqaGVlY3F4cm41YTV6ZzRpMnlkbjRqd3U3dSJ9\n",
  },
  {
    family: "1password",
    source: "gitleaks cmd/generate/config/rules/1password.go",
    text: "A3-ASW{·}WYB-798JRYLJVD4-23DC2-86TVM-H43EB",
  },
  {
    family: "1password",
    source: "gitleaks cmd/generate/config/rules/1password.go",
    text: "A3-ASW{·}WYB-798JRY-LJVD4-23DC2-86TVM-H43EB",
  },
  {
    family: "telegram",
    source: "detect-secrets tests/plugins/telegram_token_test.py",
    text: "bot110{·}201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw",
  },
  {
    family: "telegram",
    source: "detect-secrets tests/plugins/telegram_token_test.py",
    text: "110{·}201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw",
  },
  {
    family: "telegram",
    source: "detect-secrets tests/plugins/telegram_token_test.py",
    text: "721{·}3808860:AAH1bjqpKKW3maRSPAxzIU-0v6xNuq2-NjM",
  },
  {
    family: "discord",
    source: "detect-secrets tests/plugins/discord_test.py",
    text: "MTk4{·}NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
  },
  {
    family: "discord",
    source: "detect-secrets tests/plugins/discord_test.py",
    text: "Nzk5{·}MjgxNDk0NDc2NDU1OTg3.YABS5g.2lmzECVlZv3vv6miVnUaKPQi2wI",
  },
  {
    family: "discord",
    source: "detect-secrets tests/plugins/discord_test.py",
    text: "MZ1y{·}GvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC",
  },
  {
    family: "npm",
    source: "detect-secrets tests/plugins/npm_test.py",
    text: "//registry.npmjs.org/:_authToken=743{·}b294a-cd03-11ec-9d64-0242ac120002",
  },
  {
    family: "npm",
    source: "detect-secrets tests/plugins/npm_test.py",
    text: "//registry.npmjs.org/:_authToken=346{·}a14f2-a672-4668-a892-956a462ab56e",
  },
  {
    family: "npm",
    source: "detect-secrets tests/plugins/npm_test.py",
    text: "//registry.npmjs.org/:_authToken= 743{·}b294a-cd03-11ec-9d64-0242ac120002",
  },
  { family: "npm", source: "gitleaks cmd/generate/config/rules/npm.go", text: "npm_token: npm_{b62:36}" },
  {
    family: "npm",
    source: "gitleaks cmd/generate/config/rules/npm.go",
    text: 'String npmToken = "npm_{b62:36}";',
  },
  { family: "npm", source: "gitleaks cmd/generate/config/rules/npm.go", text: 'npm_TOKEN := "npm_{b62:36}"' },
  {
    family: "private-key",
    source: "gitleaks cmd/generate/config/rules/privatekey.go",
    text: "-----BEGIN PRIVATE KEY-----\nb3Bl{·}bnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAVwAAAAdzc2gtcnNhAAAAAwEAAQAAAEEAqPfgaTEWEP3S9w0tgsicURfo+nLW09/0KfOPinhYZ4ouzU+3xC4plEp8Ut9FgL0AgqNslNaK34Kq+NZjO9DAQAAATB+9/CSfvfwkgAAAAdzc2gtcnNhAAAAQQCo9+BpMRYQ/dL3DS2CyJxRF+j6ctbT3/Qp84+KeFhnii7NT7fELilKUSnxS30WAvQCCo2yU1orfgqr41mM70MBAAAAAwEAAQAAAEAgkuLEHLaqkWhLgNKagSajeobLS3rPT0Agm0f7k55FXVt743hwNgkp98bMNrzy9AQ1mJGbQZGrpr4c8ZAx3aRNAAAAIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97YE00AAAAIQCjEr8yAZ54u6Lfzkontk5iS2OEsE0AHr18rBNkWxQ2HQAAACEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUAAAAXcGhwc2VjbGliLWdlbmVyYXRlZC1rZXkBAgME\n-----END PRIVATE KEY-----",
  },
  {
    family: "private-key",
    source: "gitleaks cmd/generate/config/rules/privatekey.go",
    text: "-----BEGIN RSA PRIVATE KEY-----\nMIIB{·}OgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQJAIJLixBy2qpFoS4DSmoEmo3qGy0t6z09AIJtH+5OeRV1be+N4cDYJKffGzDa88vQENZiRm0GRq6a+HPGQMd2kTQIhAKMSvzIBnni7ot/OSie2TmJLY4SwTQAevXysE2RbFDYdAiEBCUEaRQnMnbp79mxDXDf6AU0cN/RPBjb9qSHDcWZHGzUCIG2Es59z8ugGrDY+pxLQnwfotadxd+Uyv/Ow5T0q5gIJAiEAyS4RaI9YG8EWx/2w0T67ZUVAw8eOMB6BIUg0Xcu+3okCIBOs/5OiPgoTdSy7bcF9IGpSE8ZgGKzgYQVZeN97Y==\n-----END RSA PRIVATE KEY-----\n",
  },
  {
    family: "jwt",
    source: "gitleaks cmd/generate/config/rules/jwt.go",
    text: "eyJh{·}bGciOieeeiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwic3ViZSI6IjEyMzQ1Njc4OTAiLCJuYW1lZWEiOiJKb2huIERvZSIsInN1ZmV3YWZiIjoiMTIzNDU2Nzg5MCIsIm5hbWVmZWF3ZnciOiJKb2huIERvZSIsIm5hbWVhZmV3ZmEiOiJKb2huIERvZSIsInN1ZndhZndlYWIiOiIxMjM0NTY3ODkwIiwibmFtZWZ3YWYiOiJKb2huIERvZSIsInN1YmZ3YWYiOiIxMjM0NTY3ODkwIiwibmFtZndhZSI6IkpvaG4gRG9lIiwiaWZ3YWZhYXQiOjE1MTYyMzkwMjJ9.a_5icKBDo-8EjUlrfvz2k2k-FYaindQ0DEYNrlsnRG0==",
    policy: "the header is not JSON: the JWT rule decodes it",
  },
  {
    family: "jwt",
    source: "gitleaks cmd/generate/config/rules/jwt.go",
    text: 'curl -L -H "Authorization:eyJh{·}bGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJjb25maWRlbmNlIjowLjh9.kvRPfjAhLhtRTczoRgctVGp7KY1QVH3UBZM-gM0x8ec" service1.local -> correct jwt ',
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: "DB_PASSWORD_token: '{pw:20}'",
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: 'var DB_PASSWORDToken = "{pw:20}"',
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: 'DB_PASSWORD_TOKEN ::= "{pw:20}"',
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: 'db_password_token: "{pw:6}"',
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: 'string DB_PASSWDToken = "{pw:10}";',
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: "DB_PASSWDToken = '{pw:10}'",
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: "pwd = {pw:20}",
  },
  {
    family: "database-password",
    source: "gitleaks cmd/generate/config/rules/database.go",
    text: "pwd: {pw:50}",
  },
  {
    family: "url-credentials",
    source: "detect-secrets tests/plugins/basic_auth_test.py",
    text: "https://username:pass{·}word@yelp.com",
    policy: "`password`: a documentation password",
  },
  {
    family: "url-credentials",
    source: "trufflehog pkg/detectors/uri/uri_test.go (redacted form, filled)",
    text: "https://httpwatch:{b62:12}@www.httpwatch.com/httpgallery/authentication/authenticatedimage/default.aspx",
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "curl --cacert ca.crt -u elastic:P@ss{·}w0rd$1 https://localhost:9200",
    policy: "`P@ssw0rd`: a documentation password",
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "sh-5.0$ curl -k -X POST https://infinispan:11222/rest/v2/caches/default/hello \\\n  -H 'Content-type: text/plain' \\\n  -d 'world' \\\n  -u developer:yqDV{·}tkqPECriaLRi",
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -u ":d2Lk{·}V78zLx!t" https://localhost:9200',
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -u "d2Lk{·}V78zLx!t:" https://localhost:9200',
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "curl -sw '%{http_code}' -X POST --user  'johns:h0pk{·}1ns~21s' $GItHUB_API_URL/$GIT_COMMIT --data",
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "curl --user roger23@gmail.com:pQ9w{·}Txu4Fg https://www.dropbox.com/cli_link?host_id=abcdefg -v",
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "curl -s --user 'api:d2Lk{·}V78zLx!t' \\\n    https://api.mailgun.net/v2/sandbox91d3515882ecfaa1c65be642.mailgun.org/messages",
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -s -v --user "j.smith:dB2y{·}F6@qL9vZm1P#4J" "https://api.contoso.org/user/me"',
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -X POST --user "{acd3c08b-74e8-4f44-a2d0-80694le24f46}":"{ZqL5{·}kVrX1n8tA2}" --header "Accept: application/json" --data "{\\"text\\":\\"Hello, world\\",\\"source\\":\\"en\\",\\"target\\":\\"es\\"}" https://gateway.watsonplatform.net/language-translator/api',
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "curl --user kevin:'pRf7{·}vG2h1L8nQkW9' -iX PATCH -H \"Content-Type: application/json\" -d",
  },
  {
    family: "curl",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "$ curl https://api.dropbox.com/oauth2/token \\\n  --user c28wlsosanujy2z:qgsn{·}ai0xokrw4j1 --data grant_type=authorization_code",
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "curl --header  'Authorization:  5eb4{·}223e-5008-46e5-be67-c7b8f2732305'",
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -k -X POST --header "Authorization: Basic djJl{·}NEpYa0NJUHZ5a2FWT0VRXzRqZmZUdDkwYTp2emNBZGFzZWpmlWZiUDc2VUJjNDNNVDExclVh" "https://api-qa.example.com:8243/token" -d "grant_type=client_credentials"',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -X POST -H "Content-Type: application/json" \\\n -H "Authorization: Basic MzUz{·}YjMwMmM0NDU3NGY1NjUwNDU2ODdlNTM0ZTdkNmE6Mjg2OTI0Njk3ZTYxNWE2NzJhNjQ2YTQ5MzU0NTY0NmM=" \\\n  \'http://localhost:8080/oauth2-provider/v1.0/users\'',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "#  -H 'Authorization: Basic YXBp{·}OmtleS1hN2MzNDJ3MzNhNWQxLTU2M2U3MjlwLTZhYjI3YzYzNzM0Ng==' \\",
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: '# curl -X GET "http://localhost:3000/api/cron/status" -H "Authorization: Bearer cfca{·}bd11c7ed9a41b1a3e063c32d5114"',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: "curl -X PUT -H 'Authorization: Bearer jC+6{·}TUUjCNHcVtAXpcqBCgxnA8r+qD6MatnYaf/+289y7HWpK0BWPyLHv/K4DMN32fufwmeVVjlo8zjgBh8kx3GfS6IqO70w1DVMSCTwX7fhEpiXaxzv0mhSMHDX9Kw63Q6DkavUWUV+MDNhCF5wGQrcdQNncVRF3YkuDHDT/xw2YWyZ/DX8k+gAYiC8gcD8Ueg0ljBVS1IDwPjuGoFPESJVxYr0MDPF2D8Pn2S5rq692U4D9ZLuluS46VA4DK6ig5P7QM5XVXi4V7vXM8qpN/zqneyz+w4PUh6NIX7QG6JczMhYd9maWRWVat5jDdyII63P6sNAy9QZjw+ClW211Q==' -d 'user={\"account\":\"user@domain.com\"}' http://127.0.0.1:8443/desks/1/occupy",
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl https://api.openai.com/v1/chat/completions \\\n  -H "Content-Type: application/json" \\\n  -H "Authorization: Bearer sk-Hxs{·}VRClzUoqDGsfVeTJOT3BlbkFJjgTxONt21NKqFtj6FLfH" \\',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -X GET "https://api.cloudflare.com/client/v4/user/tokens/verify" \\\n     -H "Authorization: Bearer _FXN{·}ljbSRYMWx3TWrd7lgKhLtVZX6iskC8Wcbb4b" \\\n     -H "Content-Type:application/json"',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -H "Authorization: Bearer sha256~bRL{·}Fnzd59Z3XpZH5_seJPHALOuvbWiKwbFKSsoALkgp"',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -H "Authorization: Api-Token 22cb{·}987851bc5659l29114c62e60c79abd0d2c08" --request PUT https://appsecclass.report/api/use/635',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -H "Authorization: Token 22cb{·}987851bc5659229114c62e60c79abd0d2c08" --request PUT https://appsecclass.report/api/use/635',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -X GET \\\n     -H "apikey: c4ed{·}6c21-9dd5-4a05-8e3f-c56d1151cce8" \\\n     -H "Accept: application/json" \\',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -X POST --header "Api-Token: Sk94{·}HG7f6KB"',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -XPOST http://localhost:8080/api/tasks -H "Content-Type: application/x-www-form-urlencoded; charset=UTF-8" -H "Token: 3fea{·}6af1349166ea" -d "content=hello-curl"',
  },
  {
    family: "auth-header",
    source: "gitleaks cmd/generate/config/rules/curl.go",
    text: 'curl -X GET https://octopus.corp.net/\n     -H "X-Octopus-ApiKey: 3a16{·}750d-d363-41a4-8ebd-035408f7730f" \\',
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: heketi-secret\n  namespace: default\ndata:\n  # base64 encoded password. E.g.: echo -n "mypassword" | base64\n  key: bXlw{·}YXNzd29yZA==',
    policy: "decodes to `mypassword`: a documentation password",
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: "apiVersion: v1\n data:\n \textra: YWRt{·}aW46cGFzc3dvcmQ=\n kind: secret\n metadata:\n\t name: secret-sa-sample",
    policy: "decodes to `admin:password`: a documentation password",
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: "apiVersion: v1\ndata:\n\tpassword: UyFC{·}XCpkJHpEc2I9\n\tusername: YWRtaW4=\nkind: Secret\nmetadata:\n\tname: db-user-pass\n\tnamespace: default\ntype: Opaque",
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: "apiVersion: 'v1'\ndata:\n\textra: 'YWRt{·}aW46cGFzc3dvcmQ='\nkind: 'Secret'\nmetadata:\n\tname: 'secret-sa-sample'",
    policy: "decodes to `admin:password`: a documentation password",
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: "apiVersion: v1\ndata:\n  .dockercfg: |\n    eyJh{·}dXRocyI6eyJodHRwczovL2V4YW1wbGUvdjEvIjp7ImF1dGgiOiJvcGVuc2VzYW1lIn19fQo=\nmetadata:\n  name: secret-dockercfg\ntype: kubernetes.io/dockercfg\nkind: Secret\n",
    policy: "decodes to an `https://example/` registry with `opensesame`: documentation",
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: "apiVersion: v1\nkind: Secret\nmetadata:\n\tname: db-user-pass\ntype: Opaque\ndata:\n\t# the data is abbreviated in this example\n\tpassword: UyFC{·}XCpkJHpEc2I9\n\tusername: YWRtaW4=\n",
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: 'apiVersion: "v1"\nkind: "Secret"\ndata:\n\tpassword: "UyFC{·}XCpkJHpEc2I9"\n\tusername: "YWRtaW4="\nmetadata:\n\tname: "db-user-pass"',
  },
  {
    family: "kubernetes",
    source: "gitleaks cmd/generate/config/rules/kubernetes.go",
    text: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-dockercfg\ntype: kubernetes.io/dockercfg\ndata:\n  .dockercfg: >\n    eyJh{·}dXRocyI6eyJodHRwczovL2V4YW1wbGUvdjEvIjp7ImF1dGgiOiJvcGVuc2VzYW1lIn19fQo=",
    policy: "decodes to an `https://example/` registry with `opensesame`: documentation",
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'genericToken="Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB"',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: "genericToken=Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB",
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: '{\n    "generic_token": "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB"\n}',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: "<genericToken>\n    Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB\n</genericToken>",
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: "generic_token: 'Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB'",
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'string genericToken = "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB";',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'genericToken := "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB"',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'String genericToken = "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB";',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: '$genericToken .= "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB"',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'System.setProperty("GENERIC_TOKEN", "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB")',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'generic_TOKEN = "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB"',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'generic_TOKEN ::= "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB"',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'generic_TOKEN ?= "Zf3D{·}0LXCM3EIMbgJpUNnkRtOfOueHznB"',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: "'access_token': 'eyJ0{·}eXAioiJKV1slS3oASx=='",
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: 'some_api_token_123 = "{b62:60}"',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: '"user_auth": "am9o{·}bmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc="',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: '"credentials" : "0afa{·}e57f3ccfd9d7f5767067bc48b30f719e271ba470488056e37ab35d4b6506"',
  },
  { family: "generic", source: "gitleaks cmd/generate/config/rules/generic.go", text: "creds = {b62:30}" },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: "private-key: {ext:100}",
  },
  { family: "generic", source: "gitleaks cmd/generate/config/rules/generic.go", text: "passwd = {ext:30}" },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: '"client_secret" : "6da8{·}9121079f83b2eb6acccf8219ea982c3d79bccc3e9c6a85856480661f8fde",',
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: "mySecretString={b62:30}",
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: "todo_secret_do_not_commit = {b62:30}",
  },
  {
    family: "generic",
    source: "gitleaks cmd/generate/config/rules/generic.go",
    text: ' utils.GetEnvOrDefault("api_token", "dafa{·}7817-e246-48f3-91a7-e87653d587b8")',
    policy: "a UUID assigned to a key name: a look-alike in test/fixtures/secrets.ts",
  },
  {
    family: "generic",
    source: "detect-secrets tests/plugins/keyword_test.py",
    text: 'apikey := "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"',
    policy: "holds `${…}` and `{{…}}`: references, look-alikes in test/fixtures/secrets.ts",
  },
  {
    family: "generic",
    source: "detect-secrets tests/plugins/keyword_test.py",
    text: '"theapikey": "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"',
    policy: "holds `${…}` and `{{…}}`: references, look-alikes in test/fixtures/secrets.ts",
  },
  {
    family: "generic",
    source: "detect-secrets tests/plugins/keyword_test.py",
    text: 'the_password= "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"',
    policy: "holds `${…}` and `{{…}}`: references, look-alikes in test/fixtures/secrets.ts",
  },
  {
    family: "generic",
    source: "detect-secrets tests/plugins/keyword_test.py",
    text: "my_password = m{{h}o)p${e]nob(ody[finds>-_$#thisone}}",
    policy: "holds `${…}` and `{{…}}`: references, look-alikes in test/fixtures/secrets.ts",
  },
  {
    family: "generic",
    source: "detect-secrets tests/plugins/keyword_test.py",
    text: "private_key 'm{{h}o)p${e]nob(ody[finds>-_$#thisone}}';",
    policy: "holds `${…}` and `{{…}}`: references, look-alikes in test/fixtures/secrets.ts",
  },
  {
    family: "jwt",
    source: "detect-secrets tests/plugins/jwt_test.py",
    text: "eyJh{·}bGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    policy: "jwt.io's sample token: a look-alike in test/fixtures/secrets.ts",
  },
  {
    family: "jwt",
    source: "detect-secrets tests/plugins/jwt_test.py",
    text: "eyJ0{·}eXAiOiJKV1QiLA0KImFsZyI6IkhTMjU2In0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    policy: "no signature part: the JWT rule requires header, payload and signature",
  },
  {
    family: "jwt",
    source: "detect-secrets tests/plugins/jwt_test.py",
    text: "eyJ0{·}eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJuYW1lIjoiSm9lIiwKInN0YXR1cyI6ImVtcGxveWVlIgp9",
    policy: "no signature part: the JWT rule requires header, payload and signature",
  },
  {
    family: "jwt",
    source: "detect-secrets tests/plugins/jwt_test.py",
    text: "eyJh{·}bGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IsWww6HFkcOtIMOWxZHDqcOoIiwiaWF0IjoxNTE2MjM5MDIyfQ.k5HibI_uLn_RTuPcaCNkaVaQH2y5q6GvJg8GPpGMRwQ",
  },
  {
    family: "slack",
    source: "detect-secrets tests/plugins/slack_test.py",
    text: "xoxp-523{·}423-234243-234233-e039d02840a0b9379c",
  },
  {
    family: "slack",
    source: "detect-secrets tests/plugins/slack_test.py",
    text: "xoxo-523{·}423-234243-234233-e039d02840a0b9379c",
  },
  {
    family: "slack",
    source: "detect-secrets tests/plugins/slack_test.py",
    text: "xoxs-523{·}423-234243-234233-e039d02840a0b9379c",
  },
  {
    family: "slack",
    source: "detect-secrets tests/plugins/slack_test.py",
    text: "xoxa-511{·}111111-31111111111-3111111111111-e039d02840a0b9379c",
  },
  {
    family: "slack",
    source: "detect-secrets tests/plugins/slack_test.py",
    text: "xoxr-523{·}423-234243-234233-e039d02840a0b9379c",
  },
  {
    family: "slack",
    source: "detect-secrets tests/plugins/slack_test.py",
    text: "xoxb-345{·}32454-e039d02840a0b9379c",
  },
  {
    family: "openai",
    source: "detect-secrets tests/plugins/openai_test.py",
    text: "sk-Xi8{·}tcNiHV9awbCcvilTeT3BlbkFJ3UDnpdEwNNm6wVBpYM0o",
  },
  {
    family: "openai",
    source: "detect-secrets tests/plugins/openai_test.py",
    text: "sk-proj-Xi8{·}tdMjHV6pmbBbwilTeT3BlbkFJ3UDnpdEwNNm6wVBpYM0o",
  },
  {
    family: "mailchimp",
    source: "detect-secrets tests/plugins/mailchimp_key_test.py",
    text: "343e{·}a45721923ed956e2b38c31db76aa-us30",
  },
  {
    family: "mailchimp",
    source: "detect-secrets tests/plugins/mailchimp_key_test.py",
    text: "a293{·}7653ed38c31a43ea46e2b19257db-us2",
  },
  {
    family: "gitlab",
    source: "detect-secrets tests/plugins/gitlab_token_test.py",
    text: "glpat-hel{·}lOworld380_testin",
    policy: "made of English words (hello world testin): a stand-in",
  },
  {
    family: "gitlab",
    source: "detect-secrets tests/plugins/gitlab_token_test.py",
    text: "gldt-Hwl{·}lOuhfw-wu0rlD_yep",
  },
  {
    family: "gitlab",
    source: "detect-secrets tests/plugins/gitlab_token_test.py",
    text: "glsoat-PRE{·}fix_helloworld380_testin_pretty_long_token_long",
    policy: "made of English words (prefix hello world testin pretty long token long): a stand-in",
  },
];
