// The JWT auth service's Go starter: configuration from the environment, the schema migrated on
// start (safely, as several instances start at once), GET /healthz, the routes of the README
// answering 501, errors in the one JSON shape, and a graceful stop on SIGTERM. The rest is yours:
// golang-jwt is here for tokens, and golang.org/x/crypto has bcrypt, scrypt and argon2.
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

	"github.com/golang-jwt/jwt/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

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

// env reads the environment once, collecting every problem before any is reported.
type env struct{ problems []string }

func (e *env) required(name string) string {
	v := os.Getenv(name)
	if v == "" {
		e.problems = append(e.problems, name+": required")
	}
	return v
}

func (e *env) integer(name string, def, low, high int) int {
	raw := os.Getenv(name)
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < low || n > high {
		e.problems = append(e.problems, fmt.Sprintf("%s: an integer from %d to %d expected", name, low, high))
		return def
	}
	return n
}

func (e *env) err() error {
	if len(e.problems) == 0 {
		return nil
	}
	return fmt.Errorf("invalid environment: %s", strings.Join(e.problems, "; "))
}

// serve listens until SIGTERM, then stops taking requests and finishes those in flight.
func serve(ctx context.Context, name string, port int, h http.Handler) {
	srv := &http.Server{Addr: fmt.Sprintf(":%d", port), Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		log.Printf("%s listening on %d", name, port)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	shutdown, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
}

func routes(register func(*http.ServeMux)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	register(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no route for "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// Config is the validated environment, read once at start-up.
type Config struct {
	Port                                int
	DatabaseURL, RedisURL               string
	JWTSecret, JWTIssuer, JWTAudience   string
	AccessTTLSeconds, RefreshTTLSeconds int
	AdminEmail, AdminPassword           string
}

func loadConfig() (Config, error) {
	e := &env{}
	c := Config{
		Port:              e.integer("PORT", 3000, 1, 65535),
		DatabaseURL:       e.required("DATABASE_URL"),
		RedisURL:          e.required("REDIS_URL"),
		JWTSecret:         os.Getenv("JWT_SECRET"),
		JWTIssuer:         e.required("JWT_ISSUER"),
		JWTAudience:       e.required("JWT_AUDIENCE"),
		AccessTTLSeconds:  e.integer("ACCESS_TOKEN_TTL_SECONDS", 900, 1, 1<<31-1),
		RefreshTTLSeconds: e.integer("REFRESH_TOKEN_TTL_SECONDS", 1_209_600, 1, 1<<31-1),
		AdminEmail:        e.required("ADMIN_EMAIL"),
		AdminPassword:     os.Getenv("ADMIN_PASSWORD"),
	}
	if len(c.JWTSecret) < 32 {
		e.problems = append(e.problems, "JWT_SECRET: at least 32 characters")
	}
	if len(c.AdminPassword) < 8 {
		e.problems = append(e.problems, "ADMIN_PASSWORD: at least 8 characters")
	}
	return c, e.err()
}

// App holds what the handlers need from the outside world.
type App struct {
	db     *pgxpool.Pool
	redis  *redis.Client
	config Config
	// The HS256 method tokens are signed and verified with.
	method jwt.SigningMethod
}

// migrate creates or updates the schema, and the admin account of R9. Several instances start at
// once against the same database, so it must be safe to run concurrently (hint: pg_advisory_lock).
func migrate(ctx context.Context, db *pgxpool.Pool) error {
	// TODO: create your tables here.
	_, err := db.Exec(ctx, "SELECT 1")
	return err
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

	app := &App{db: db, redis: rdb, config: cfg, method: jwt.SigningMethodHS256}
	serve(ctx, "jwt-auth", cfg.Port, routes(app.register))
}

// register adds the README's routes, each answering 501 until it is yours.
func (a *App) register(mux *http.ServeMux) {
	// POST /auth/register {email, password} → 201 {id, email, role} | 400 | 409
	mux.HandleFunc("POST /auth/register", notImplemented)
	// POST /auth/login {email, password} → 200 {accessToken, refreshToken, expiresIn} | 400 | 401 | 429
	mux.HandleFunc("POST /auth/login", notImplemented)
	// POST /auth/refresh {refreshToken} → 200 {accessToken, refreshToken, expiresIn} | 400 | 401
	mux.HandleFunc("POST /auth/refresh", notImplemented)
	// POST /auth/logout (Bearer) → 204 | 401 | 503
	mux.HandleFunc("POST /auth/logout", notImplemented)
	// GET /me (Bearer) → 200 {id, email, role} | 401 | 503
	mux.HandleFunc("GET /me", notImplemented)
	// GET /admin/users (Bearer, admin) → 200 [{id, email, role}] | 401 | 403 | 503
	mux.HandleFunc("GET /admin/users", notImplemented)
}
