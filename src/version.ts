/** The gateway's version, reported by /health/readiness and `tollgate --version`. */
export const VERSION = '0.1.0';
