package diff

import (
	"github.com/ck8sargo/ck8sargo/render"
)

// ChangedDecrypted stands, on the head side, for a value decrypted from a secrets:// file
// that differs from the base's: the diff says that it changed without saying how.
const ChangedDecrypted = render.Redacted + " (changed)"

// redactDecrypted returns copies of two versions of a rendered object (either may be nil)
// with every value decrypted from a secrets:// file replaced by render.Redacted, each side
// with its own rendering's values. A chart puts decrypted values anywhere (a Deployment's
// env, a ConfigMap), not only in Secrets, whose data is redacted anyway. Where the two
// sides differ at the same place and the redacted forms are then equal, the head's reads
// ChangedDecrypted, so that the change is still seen.
func redactDecrypted(b, h map[string]any, base, head *render.Result) (map[string]any, map[string]any) {
	if !base.Tainted() && !head.Tainted() {
		return b, h
	}
	var rb, rh map[string]any
	if b != nil {
		rb = base.RedactObject(b)
	}
	if h != nil {
		rh = head.RedactObject(h)
	}
	if b == nil || h == nil {
		return rb, rh
	}
	return rb, markChanged(b, h, rb, rh).(map[string]any)
}

// markChanged walks the raw (b, h) and redacted (rb, rh) versions together and returns rh
// with ChangedDecrypted where a string differs raw but not redacted.
func markChanged(b, h, rb, rh any) any {
	switch hv := rh.(type) {
	case map[string]any:
		bm, ok1 := b.(map[string]any)
		hm, ok2 := h.(map[string]any)
		rbm, ok3 := rb.(map[string]any)
		if !ok1 || !ok2 || !ok3 {
			return rh
		}
		out := make(map[string]any, len(hv))
		for k, v := range hv {
			if _, inBase := bm[k]; inBase {
				out[k] = markChanged(bm[k], hm[k], rbm[k], v)
			} else {
				out[k] = v
			}
		}
		return out
	case []any:
		bs, ok1 := b.([]any)
		hs, ok2 := h.([]any)
		rbs, ok3 := rb.([]any)
		if !ok1 || !ok2 || !ok3 {
			return rh
		}
		out := make([]any, len(hv))
		for i, v := range hv {
			if i < len(bs) {
				out[i] = markChanged(bs[i], hs[i], rbs[i], v)
			} else {
				out[i] = v
			}
		}
		return out
	case string:
		bs, _ := b.(string)
		hs, _ := h.(string)
		if rbs, _ := rb.(string); bs != hs && rbs == hv && hv != hs {
			return ChangedDecrypted
		}
	}
	return rh
}
