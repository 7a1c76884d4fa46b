// Calibration for the performance items when the submission is in Go: the limited routes as a
// net/http service serves them, headers included, with no limiter but the one Redis round trip a
// limiter shared by instances cannot avoid (an INCR, go-redis), measured in the same run on the
// same machine as the candidate.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"

	"github.com/redis/go-redis/v9"
)

func unlimited(store *redis.Client, policy string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := store.Incr(r.Context(), "baseline:"+policy).Err(); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("X-RateLimit-Limit", "1000000")
		h.Set("X-RateLimit-Remaining", "999999")
		h.Set("X-RateLimit-Reset", "1")
		h.Set("RateLimit-Policy", `"`+policy+`";q=1000000;w=1`)
		h.Set("RateLimit", `"`+policy+`";r=999999;t=1`)
		h.Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "client": "key:" + r.Header.Get("X-Api-Key")})
	}
}

func main() {
	opt, err := redis.ParseURL(os.Getenv("REDIS_URL"))
	if err != nil {
		log.Fatal(err)
	}
	store := redis.NewClient(opt)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	for _, policy := range []string{"window", "bucket"} {
		mux.HandleFunc("GET /api/"+policy+"/resource", unlimited(store, policy))
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux))
}
