import type { CrossbeamClient } from '../crossbeam/client';
import { ConfigurationError, CrossbeamAuthError } from '../errors';
import type { Logger } from '../log';

/**
 * Checks that the client's organization is one the token may act for, so
 * that a wrong uuid fails once, naming the organizations to choose from,
 * rather than once per stream with the API's 403. When the list cannot be
 * read, logs a warning and leaves the check to the run's own requests.
 */
export async function verifyOrganization(
  client: CrossbeamClient,
  logger: Logger,
): Promise<void> {
  let organizations: Awaited<ReturnType<CrossbeamClient['fetchOrganizations']>>;
  try {
    organizations = await client.fetchOrganizations();
  } catch (error) {
    if (error instanceof CrossbeamAuthError) throw error;
    logger.warn(
      'Could not list the organizations this token may act for, so the run starts without checking CROSSBEAM_ORGANIZATION.',
      { error },
    );
    return;
  }

  const configured = client.organization.toLowerCase();
  if (organizations.some((item) => item.uuid.toLowerCase() === configured)) {
    return;
  }
  if (organizations.length === 0) {
    logger.warn(
      'GET /v1/users/me lists no organization for this token, so the run starts without checking CROSSBEAM_ORGANIZATION.',
    );
    return;
  }
  const choices = organizations
    .map((item) => (item.name ? `${item.uuid} (${item.name})` : item.uuid))
    .join(', ');
  throw new ConfigurationError(
    `Organization ${JSON.stringify(client.organization)} (CROSSBEAM_ORGANIZATION or --organization) is not one this token may act for. Set it to one of: ${choices}.`,
  );
}
