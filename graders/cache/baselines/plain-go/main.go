// Calibration for the performance items when the submission is in Go: the product route as a
// net/http service serves it from Redis with nothing around it, one GET per request (go-redis) and
// the stored JSON sent as it is, measured in the same run on the same machine as the candidate.
package main

import (
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

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
	mux.HandleFunc("GET /products/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		key := "baseline:" + id
		body, err := store.Get(r.Context(), key).Bytes()
		if errors.Is(err, redis.Nil) {
			body, _ = json.Marshal(map[string]any{"id": id, "name": "Product " + id, "priceCents": 1999, "version": 1})
			err = store.Set(r.Context(), key, body, 10*time.Minute).Err()
		}
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=1")
		h.Set("ETag", `"1"`)
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), mux))
}
