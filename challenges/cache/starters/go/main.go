// The cache's Go starter: configuration from the environment, GET /healthz, the routes of the
// README answering 501, errors in the one JSON shape, a client for the origin, and a graceful stop
// on SIGTERM. The caching is yours.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
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
	Port                 int
	RedisURL             string
	OriginURL            string
	CacheTTLMs           int
	StaleTTLMs           int
	NegativeTTLMs        int
	OriginMaxConcurrency int
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
		Port:                 integer("PORT", 3000, 1, 65535),
		RedisURL:             os.Getenv("REDIS_URL"),
		OriginURL:            strings.TrimRight(os.Getenv("ORIGIN_URL"), "/"),
		CacheTTLMs:           integer("CACHE_TTL_MS", 30_000, 1, 1<<31-1),
		StaleTTLMs:           integer("STALE_TTL_MS", 60_000, 0, 1<<31-1),
		NegativeTTLMs:        integer("NEGATIVE_TTL_MS", 5_000, 1, 1<<31-1),
		OriginMaxConcurrency: integer("ORIGIN_MAX_CONCURRENCY", 8, 1, 1<<31-1),
	}
	if c.RedisURL == "" {
		problems = append(problems, "REDIS_URL: required")
	}
	if u, err := url.Parse(c.OriginURL); err != nil || u.Scheme == "" || u.Host == "" {
		problems = append(problems, "ORIGIN_URL: a URL expected")
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid environment: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// App holds what the handlers need from the outside world.
type App struct {
	redis  *redis.Client
	origin *http.Client
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
	writeError(w, http.StatusNotImplemented, "not_implemented", "not implemented yet")
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	// GET /products/{id} → 200 product (ETag, Cache-Control) | 304 | 400 | 404 | 503
	mux.HandleFunc("GET /products/{id}", notImplemented)
	// GET /products?ids=a,b,c → 200 {products, missing} | 400 | 503
	mux.HandleFunc("GET /products", notImplemented)
	// PUT /products/{id} {name, priceCents} → 200 the new version | 400 | 404 | 503
	mux.HandleFunc("PUT /products/{id}", notImplemented)
	// GET /me/recommendations (Authorization passed to the origin) → 200 | 401 | 503
	mux.HandleFunc("GET /me/recommendations", notImplemented)
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
	// The origin is slow (100-300 ms) and may hang: every call needs a deadline of its own (R8).
	app := &App{redis: rdb, origin: &http.Client{Timeout: time.Second}, config: cfg}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", cfg.Port), Handler: app.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Printf("cache listening on %d", cfg.Port)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	// SIGTERM: stop taking requests, finish those in flight, then close the clients (deferred).
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}
