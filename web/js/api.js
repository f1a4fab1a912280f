// Calls to the Espace abonné API: JSON in and out, the session cookie sent by the browser.
import { API_BASE_URL } from "../config.js";

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || "Une erreur est survenue.");
    this.status = status;
    this.code = body.code || "unknown_error";
    this.fieldErrors = Array.isArray(body.errors) ? body.errors : [];
  }
}

const UNAVAILABLE = {
  code: "service_unavailable",
  message: "Le service est momentanément indisponible. Veuillez réessayer dans quelques instants.",
};

export async function api(method, path, body) {
  const init = { method, credentials: "include", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${API_BASE_URL}${path}`, init);
  } catch {
    throw new ApiError(0, UNAVAILABLE);
  }
  const text = await response.text();
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (!response.ok) {
    const error = payload && typeof payload.message === "string" ? payload : UNAVAILABLE;
    throw new ApiError(response.status, error);
  }
  // Every success but 204 is JSON: anything else (a proxy's HTML page) is not the API answering.
  if (response.status !== 204 && (payload === null || typeof payload !== "object")) {
    throw new ApiError(502, UNAVAILABLE);
  }
  return payload;
}

// The signed-in subscriber ({email, contracts}), or null when there is no valid session.
export async function currentSubscriber() {
  try {
    return await api("GET", "/me");
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}
