// The URL shortener's Java starter: configuration from the environment, validated once, the
// schema migrated on start (safely, as several instances start at once), GET /healthz, the routes
// of the README answering 501, errors in the one JSON shape, and a graceful stop on SIGTERM. The
// rest is yours.
package shortener;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executors;
import redis.clients.jedis.RedisClient;

public final class Main {
  /** The validated environment, read once at start-up. */
  record Config(int port, String databaseUrl, String redisUrl, String baseUrl) {
    static Config fromEnv() {
      List<String> problems = new ArrayList<>();
      String db = need("DATABASE_URL", problems);
      String redis = need("REDIS_URL", problems);
      String base = need("BASE_URL", problems).replaceAll("/+$", "");
      int port = 3000;
      String p = System.getenv("PORT");
      if (p != null && !p.isEmpty()) {
        try {
          port = Integer.parseInt(p);
          if (port < 1 || port > 65535) problems.add("PORT: not a port number");
        } catch (NumberFormatException e) {
          problems.add("PORT: not a port number");
        }
      }
      if (!problems.isEmpty()) throw new IllegalStateException("invalid environment: " + String.join("; ", problems));
      return new Config(port, db, redis, base);
    }

    private static String need(String name, List<String> problems) {
      String v = System.getenv(name);
      if (v == null || v.isEmpty()) {
        problems.add(name + ": required");
        return "";
      }
      return v;
    }
  }

  /** A postgres:// URL as JDBC wants it: the user and password as properties. */
  static Connection connect(String databaseUrl) throws SQLException {
    URI u = URI.create(databaseUrl);
    Properties props = new Properties();
    String info = u.getRawUserInfo();
    if (info != null) {
      String[] up = info.split(":", 2);
      props.setProperty("user", java.net.URLDecoder.decode(up[0], StandardCharsets.UTF_8));
      if (up.length > 1) props.setProperty("password", java.net.URLDecoder.decode(up[1], StandardCharsets.UTF_8));
    }
    int port = u.getPort() == -1 ? 5432 : u.getPort();
    return DriverManager.getConnection("jdbc:postgresql://" + u.getHost() + ":" + port + u.getRawPath(), props);
  }

  /**
   * Creates or updates the schema. Several instances start at once against the same database, so
   * it must be safe to run concurrently (hint: pg_advisory_lock).
   */
  static void migrate(Connection db) throws SQLException {
    try (Statement s = db.createStatement()) {
      // TODO: create your tables here.
      s.execute("SELECT 1");
    }
  }

  static String json(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        default -> {
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    return out.append('"').toString();
  }

  static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("content-type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Answers in the one error shape every route uses. */
  static void sendError(HttpExchange ex, int status, String code, String message) throws IOException {
    send(ex, status, "{\"error\":{\"code\":" + json(code) + ",\"message\":" + json(message) + "}}");
  }

  static void route(HttpExchange ex) throws IOException {
    // Read what was sent, so the connection can serve the next request.
    ex.getRequestBody().readAllBytes();
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    String[] seg = path.replaceFirst("^/", "").split("/", -1);
    if (method.equals("GET") && path.equals("/healthz")) {
      send(ex, 200, "{\"status\":\"ok\"}");
    } else if (method.equals("POST") && path.equals("/api/v1/urls")) {
      // POST /api/v1/urls {url, alias?, expiresAt?} → 201 {code, shortUrl, url, expiresAt}
      sendError(ex, 501, "not_implemented", "not implemented yet");
    } else if (method.equals("GET") && seg.length == 5 && path.startsWith("/api/v1/urls/") && seg[4].equals("stats")) {
      // GET /api/v1/urls/{code}/stats → 200 {code, url, clicks, createdAt, expiresAt}
      sendError(ex, 501, "not_implemented", "not implemented yet");
    } else if (method.equals("GET") && seg.length == 1 && !seg[0].isEmpty()) {
      // GET /{code} → 302 Location: <url> | 404 | 410
      sendError(ex, 501, "not_implemented", "not implemented yet");
    } else {
      sendError(ex, 404, "not_found", "no route for " + method + " " + path);
    }
  }

  public static void main(String[] args) throws Exception {
    Config cfg;
    try {
      cfg = Config.fromEnv();
    } catch (IllegalStateException e) {
      System.err.println(e.getMessage());
      System.exit(1);
      return;
    }
    Connection db = connect(cfg.databaseUrl());
    migrate(db);
    RedisClient redis = RedisClient.create(URI.create(cfg.redisUrl()));

    HttpServer server = HttpServer.create(new InetSocketAddress(cfg.port()), 512);
    server.setExecutor(Executors.newFixedThreadPool(32));
    server.createContext("/", ex -> {
      try {
        route(ex);
      } catch (RuntimeException e) {
        sendError(ex, 500, "internal", "internal error");
      } finally {
        ex.close();
      }
    });
    // SIGTERM: stop taking requests, give those in flight a moment, then close the clients.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.stop(2);
      redis.close();
      try {
        db.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }));
    server.start();
    System.out.println("url-shortener listening on " + cfg.port());
  }
}
