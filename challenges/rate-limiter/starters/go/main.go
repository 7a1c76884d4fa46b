// The rate limiter's Go starter: configuration from the environment, ready only once Redis
// answers (R14), GET /healthz, the two routes of the README answering 501, errors in the one JSON
// shape, and a graceful stop on SIGTERM. The limiting is yours.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Config is the validated environment, read once at start-up.
type Config struct {
	Port               int
	RedisURL           string
	RateLimit          int
	WindowMs           int
	BucketCapacity     int
	BucketRefillPerSec float64
	APIKeys            map[string]bool
	TrustProxy         int
	FailMode           string
}

func loadConfig() (Config, error) {
	var problems []string
	integer := func(name string, def, low, high int) int {
		raw := os.Getenv(name)
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil || n < low || n > high {
			problems = append(problems, fmt.Sprintf("%s: an integer from %d to %d expected", name, low, high))
			return def
		}
		return n
	}
	c := Config{
		Port:           integer("PORT", 3000, 1, 65535),
		RedisURL:       os.Getenv("REDIS_URL"),
		RateLimit:      integer("RATE_LIMIT", 100, 1, 1<<31-1),
		WindowMs:       integer("RATE_LIMIT_WINDOW_MS", 60_000, 1, 1<<31-1),
		BucketCapacity: integer("BUCKET_CAPACITY", 20, 1, 1<<31-1),
		TrustProxy:     integer("TRUST_PROXY", 0, 0, 1<<31-1),
		FailMode:       os.Getenv("RATE_LIMIT_FAIL_MODE"),
		APIKeys:        map[string]bool{},
	}
	if c.RedisURL == "" {
		problems = append(problems, "REDIS_URL: required")
	}
	c.BucketRefillPerSec = 5
	if raw := os.Getenv("BUCKET_REFILL_PER_SEC"); raw != "" {
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || !(f > 0) {
			problems = append(problems, "BUCKET_REFILL_PER_SEC: a positive number expected")
		}
		c.BucketRefillPerSec = f
	}
	if c.FailMode == "" {
		c.FailMode = "open"
	} else if c.FailMode != "open" && c.FailMode != "closed" {
		problems = append(problems, "RATE_LIMIT_FAIL_MODE: open or closed")
	}
	for _, k := range strings.Split(os.Getenv("API_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			c.APIKeys[k] = true
		}
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid environment: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// App holds what the handlers need from the outside world.
type App struct {
	redis  *redis.Client
	config Config
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// writeError answers in the one error shape every route uses.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": message}})
}

func notImplemented(w http.ResponseWriter, _ *http.Request) {
	// r.RemoteAddr is the connecting address (R3); X-Forwarded-For is yours to read.
	writeError(w, http.StatusNotImplemented, "not_implemented", "not implemented yet")
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	// GET /api/window/resource → 200 {ok: true, client} | 401 | 429 | 503 (sliding window)
	mux.HandleFunc("GET /api/window/resource", notImplemented)
	// GET /api/bucket/resource → 200 {ok: true, client} | 401 | 429 | 503 (token bucket)
	mux.HandleFunc("GET /api/bucket/resource", notImplemented)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no route for "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func main() {
	cfg, err := loadConfig()
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	ropts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		log.Fatalf("redis: %v", err)
	}
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	// Ready only once Redis answers: a budget served from a fresh local one while still
	// connecting would be wrong (R14).
	if err := rdb.Ping(ctx).Err(); err != nil {
		log.Fatalf("redis: %v", err)
	}

	app := &App{redis: rdb, config: cfg}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", cfg.Port), Handler: app.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Printf("rate-limiter listening on %d", cfg.Port)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	// SIGTERM: stop taking requests, finish those in flight, then close the client (deferred).
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}
