// Where the API answers, without a trailing slash. "" = same origin (local mode, and the deployed
// site when the API is served under the same domain). Deployment may replace this file.
export const API_BASE_URL = "";
