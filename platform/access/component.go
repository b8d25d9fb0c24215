package access

import "strings"

// Component normalises the request path after the service name into the
// component DreamFactory matches, applying the same steps in the same order:
//
//  1. trailing "/" removed (Laravel routes the path with trailing slashes
//     stripped, so "_table/contact/" arrives as "_table/contact");
//  2. lowercased, ASCII only (AccessCheck's strtolower);
//  3. leading "/" removed (getServicePermissions' ltrim);
//  4. one "(…)" group removed: from the first "(" through the first ")",
//     e.g. "_proc/myproc(1,2)" → "_proc/myproc", "a(b)c(d)" → "ac(d)".
//     Only when both characters occur; a ")" before the "(" reproduces PHP's
//     substr_replace with a non-positive length (see phpSubstrReplace).
//
// Because step 4 runs after step 1, "_table/x/(a)" gives "_table/x/".
// Mask, Allowed and IsException expect a component produced by this function.
func Component(resourcePath string) string {
	c := strings.TrimRight(resourcePath, "/")
	c = asciiLower(c)
	c = strings.TrimLeft(c, "/")
	return removeParenGroup(c)
}

// removeParenGroup removes the first "(" through the first ")" exactly as
// df-core's getServicePermissions/getServiceFilters do.
func removeParenGroup(c string) string {
	start := strings.IndexByte(c, '(')
	end := strings.IndexByte(c, ')')
	if start < 0 || end < 0 {
		return c
	}
	return phpSubstrReplace(c, "", start, end-start+1)
}

// phpSubstrReplace is PHP's substr_replace(s, repl, start, length) for
// 0 <= start <= len(s): a negative length stops that many bytes before the
// end, a zero length inserts.
func phpSubstrReplace(s, repl string, start, length int) string {
	if length < 0 {
		length = len(s) - start + length
		if length < 0 {
			length = 0
		}
	}
	if length > len(s)-start {
		length = len(s) - start
	}
	return s[:start] + repl + s[start+length:]
}

// asciiLower lowercases A-Z only, like PHP 8's strtolower.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// asciiUpper uppercases a-z only, like PHP 8's strtoupper.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// equalFold is PHP's strcasecmp(a, b) == 0: ASCII case-insensitive equality.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
