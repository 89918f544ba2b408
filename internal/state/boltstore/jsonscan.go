package boltstore

import (
	"encoding/json"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
)

// recordHashes are the members of an evidence record that listing reads
// for every record; the evidence package decodes and verifies the rest.
type recordHashes struct {
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// hashFieldsStrict is what hashFields computes, with the json/v2 codec:
// "", "" for a record it cannot decode (damaged, a repeated name, a hash
// that is not a string).
func hashFieldsStrict(data []byte) (prev, hash string) {
	var h recordHashes
	if err := jsonv2.Unmarshal(data, &h); err != nil {
		return "", ""
	}
	return h.PrevHash, h.Hash
}

// hashFields returns the string values of the top-level keys "prev_hash"
// and "hash" of a JSON object, best effort: what it cannot read stays "".
// It does not validate the record (the evidence verifier does); it only
// walks the top level, skipping nested values, so it costs far less than a
// full decode over a million records (BenchmarkHashFields: several times
// faster than hashFieldsStrict, the json/v2 decode it must agree with;
// FuzzHashFields holds them equal on every record the strict one reads).
// A repeated "hash" or "prev_hash" gives "", "", as the strict decoder
// refuses repeated names.
func hashFields(data []byte) (prev, hash string) {
	seenPrev, seenHash := false, false
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", ""
	}
	i++
	for {
		i = skipWS(data, i)
		if i >= len(data) || data[i] != '"' {
			return prev, hash
		}
		key, end, ok := readKey(data, i)
		if !ok {
			return prev, hash
		}
		i = skipWS(data, end)
		if i >= len(data) || data[i] != ':' {
			return prev, hash
		}
		i = skipWS(data, i+1)
		if i >= len(data) {
			return prev, hash
		}
		if key != "" && data[i] == '"' {
			v, end, ok := readString(data, i)
			if !ok {
				return prev, hash
			}
			if key == keyHash {
				if seenHash {
					return "", ""
				}
				hash, seenHash = v, true
			} else {
				if seenPrev {
					return "", ""
				}
				prev, seenPrev = v, true
			}
			i = end
		} else {
			switch key {
			case keyHash:
				if seenHash {
					return "", ""
				}
				seenHash = true
			case keyPrevHash:
				if seenPrev {
					return "", ""
				}
				seenPrev = true
			}
			end, ok := skipValue(data, i)
			if !ok {
				return prev, hash
			}
			i = end
		}
		i = skipWS(data, i)
		if i >= len(data) || data[i] != ',' {
			return prev, hash
		}
		i++
	}
}

func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index after the closing quote of the string that
// starts at data[i] == '"', and whether it holds a backslash.
func stringEnd(data []byte, i int) (end int, escaped, ok bool) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped, true
		}
	}
	return 0, false, false
}

// keyHash and keyPrevHash are the keys hashFields looks for; readKey
// returns other keys as "" and decodes none, so keys cost no allocation.
const (
	keyHash     = "hash"
	keyPrevHash = "prev_hash"
)

func readKey(data []byte, i int) (key string, end int, ok bool) {
	end, escaped, ok := stringEnd(data, i)
	if !ok {
		return "", 0, false
	}
	if escaped {
		if key, end, ok = readString(data, i); key != keyHash && key != keyPrevHash {
			key = ""
		}
		return key, end, ok
	}
	switch string(data[i+1 : end-1]) { // compared in place, not copied
	case keyHash:
		return keyHash, end, true
	case keyPrevHash:
		return keyPrevHash, end, true
	}
	return "", end, true
}

// readString decodes the string that starts at data[i] == '"'.
func readString(data []byte, i int) (s string, end int, ok bool) {
	end, escaped, ok := stringEnd(data, i)
	if !ok {
		return "", 0, false
	}
	if !escaped {
		return string(data[i+1 : end-1]), end, true
	}
	if err := json.Unmarshal(data[i:end], &s); err != nil {
		return "", 0, false
	}
	return s, end, true
}

// skipValue returns the index after the JSON value that starts at data[i].
func skipValue(data []byte, i int) (int, bool) {
	switch data[i] {
	case '"':
		end, _, ok := stringEnd(data, i)
		return end, ok
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, _, ok := stringEnd(data, j)
				if !ok {
					return 0, false
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	}
	j := i
	for j < len(data) && strings.IndexByte(",}] \t\r\n", data[j]) < 0 {
		j++
	}
	return j, j > i
}
