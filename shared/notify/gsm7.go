package notify

import "strings"

// gsm7Basic is the GSM 03.38 basic character set (without the escape to the
// extension table: "^{}\[~]|€" cost two septets and some handsets drop them).
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

var gsm7Set = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range gsm7Basic {
		m[r] = true
	}
	return m
}()

// gsm7Fallback spells common characters outside the basic set in it.
var gsm7Fallback = map[rune]string{
	'‘': "'", '’': "'", '‚': "'", '“': "\"", '”': "\"", '„': "\"",
	'–': "-", '—': "-", '−': "-", '…': "...", '•': "*", '·': ".",
	'\t': " ", '[': "(", ']': ")", '{': "(", '}': ")", '~': "-", '|': "/",
	'\\': "/", '^': "", '€': "EUR", '\u00a0': " ",
	'á': "a", 'â': "a", 'ã': "a", 'ç': "c", 'ê': "e", 'ë': "e", 'í': "i",
	'î': "i", 'ï': "i", 'ó': "o", 'ô': "o", 'õ': "o", 'ú': "u", 'û': "u",
	'Á': "A", 'À': "A", 'Â': "A", 'Ã': "A", 'È': "E", 'Ê': "E", 'Í': "I",
	'Ó': "O", 'Ô': "O", 'Ú': "U",
}

// GSM7 returns s in the GSM-7 basic character set: known look-alikes are
// substituted, anything else becomes "?", so an SMS is never sent as UCS-2
// (which would cut a segment from 160 to 70 characters).
func GSM7(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case gsm7Set[r]:
			b.WriteRune(r)
		case gsm7Fallback[r] != "" || r == '^':
			b.WriteString(gsm7Fallback[r])
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// IsGSM7 says whether every character of s is in the GSM-7 basic set.
func IsGSM7(s string) bool {
	for _, r := range s {
		if !gsm7Set[r] {
			return false
		}
	}
	return true
}

// truncateRunes cuts s to at most n characters, ending in "..." when cut.
func truncateRunes(s string, n int) string {
	if n <= 3 {
		return string([]rune(s)[:min(n, len([]rune(s)))])
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRight(string(r[:n-3]), " ,;:") + "..."
}
