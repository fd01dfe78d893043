/**
 * What every failure of the revenue guard tells the operator. SCC writes captain pay and money notes
 * into its item; until the guard has cleaned it, crew reading SCC may see them. Nothing is created by
 * the guard, so "nothing is created twice" means nothing there. Its own module: the runner's timeout
 * text needs it without loading the DynamoDB client the guard uses.
 */
export const CREW_MAY_SEE_AMOUNTS = 'crew may see amounts in SCC until it succeeds';
