// The URL shortener's Go starter: configuration from the environment, the schema migrated on
// start (safely, as several instances start at once), GET /healthz, the routes of the README
// answering 501, errors in the one JSON shape, and a graceful stop on SIGTERM. The rest is yours.
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

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// Config is the validated environment, read once at start-up.
type Config struct {
	Port        int
	DatabaseURL string
	RedisURL    string
	BaseURL     string
}

func loadConfig() (Config, error) {
	var problems []string
	need := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			problems = append(problems, name+": required")
		}
		return v
	}
	c := Config{Port: 3000, DatabaseURL: need("DATABASE_URL"), RedisURL: need("REDIS_URL"), BaseURL: strings.TrimRight(need("BASE_URL"), "/")}
	if p := os.Getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			problems = append(problems, "PORT: not a port number")
		}
		c.Port = n
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("invalid environment: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// App holds what the handlers need from the outside world.
type App struct {
	db      *pgxpool.Pool
	redis   *redis.Client
	baseURL string
}

// migrate creates or updates the schema. Several instances start at once against the same
// database, so it must be safe to run concurrently (hint: pg_advisory_lock).
func migrate(ctx context.Context, db *pgxpool.Pool) error {
	// TODO: create your tables here.
	_, err := db.Exec(ctx, "SELECT 1")
	return err
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
	// POST /api/v1/urls {url, alias?, expiresAt?} → 201 {code, shortUrl, url, expiresAt}
	mux.HandleFunc("POST /api/v1/urls", notImplemented)
	// GET /api/v1/urls/{code}/stats → 200 {code, url, clicks, createdAt, expiresAt}
	mux.HandleFunc("GET /api/v1/urls/{code}/stats", notImplemented)
	// GET /{code} → 302 Location: <url> | 404 | 410
	mux.HandleFunc("GET /{code}", notImplemented)
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

	db, err := pgxpool.New(ctx, cfg.DatabaseURL)
	if err != nil {
		log.Fatalf("database: %v", err)
	}
	defer db.Close()
	ropts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		log.Fatalf("redis: %v", err)
	}
	rdb := redis.NewClient(ropts)
	defer rdb.Close()
	if err := migrate(ctx, db); err != nil {
		log.Fatalf("migrate: %v", err)
	}

	app := &App{db: db, redis: rdb, baseURL: cfg.BaseURL}
	srv := &http.Server{Addr: fmt.Sprintf(":%d", cfg.Port), Handler: app.routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Printf("url-shortener listening on %d", cfg.Port)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	// SIGTERM: stop taking requests, finish those in flight, then close the pools (deferred).
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}
