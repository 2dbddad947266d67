"""Trust: who acts (principals and tokens), what they may do (one authorization layer), what
they may see (one masking function), and the workspace secret those rest on."""
