package tori

import _ "embed" // tori.example.yaml, below

// ExampleConfig is tori.example.yaml, the documented example practice.
// The local preview shows it when there is no tori.yaml yet.
//
//go:embed tori.example.yaml
var ExampleConfig []byte
