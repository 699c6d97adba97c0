/** 201 Created with the new resource's location, as JSON. */
export const created = (body: unknown, location: string) =>
  Response.json(body, { status: 201, headers: { location } });
