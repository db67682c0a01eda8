// Retention's workflow type, as the hourly Schedule starts it. The name predates the folder's and stays:
// Schedules already deployed start it by this name.
export const CLEANUP_WORKFLOW_TYPE = 'cleanupResults';
