import {
  chooseSplit,
  type SplitChoiceOptions,
} from '../../lib/extract/split-mode';

function options(
  overrides: Partial<SplitChoiceOptions> = {},
): SplitChoiceOptions & { counted: () => number } {
  let counted = 0;
  return {
    stream: 'account_overlaps',
    setting: 'auto',
    partnerBookmarks: 0,
    streamBookmark: false,
    requestsInFlight: 4,
    countPartners: async () => {
      counted++;
      return 4;
    },
    ...overrides,
    counted: () => counted,
  };
}

describe('chooseSplit', () => {
  it('follows an explicit setting', async () => {
    const always = options({ setting: true, streamBookmark: true });
    const never = options({ setting: false, partnerBookmarks: 3 });

    expect((await chooseSplit(always)).split).toBe(true);
    expect((await chooseSplit(never)).split).toBe(false);
    expect(always.counted() + never.counted()).toBe(0);
  });

  it('says when a setting reads in full', async () => {
    const toSplit = options({ setting: true, streamBookmark: true });
    const toList = options({ setting: false, partnerBookmarks: 3 });
    const sameKind = options({ setting: true, partnerBookmarks: 3 });

    expect((await chooseSplit(toSplit)).reason).toBe(
      'splitOverlapsByPartner is true, but its bookmarks are for one list, so this run reads it in full',
    );
    expect((await chooseSplit(toList)).reason).toBe(
      'splitOverlapsByPartner is false, but its bookmarks are per partner, so this run reads it in full',
    );
    expect((await chooseSplit(sameKind)).reason).toBe(
      'splitOverlapsByPartner is true',
    );
  });

  it('never splits a stream the API cannot filter by partner', async () => {
    const choice = await chooseSplit(
      options({ stream: 'accounts', setting: true }),
    );

    expect(choice.split).toBe(false);
    expect(choice.reason).toBe('the API cannot filter it by partner');
  });

  it('keeps the partner bookmarks a stream has', async () => {
    const choice = options({ partnerBookmarks: 400, streamBookmark: true });

    expect(await chooseSplit(choice)).toEqual({
      split: true,
      reason: 'its 400 partner bookmarks continue',
    });
    expect(choice.counted()).toBe(0);
  });

  it('keeps the stream bookmark a stream has', async () => {
    const choice = options({ streamBookmark: true });

    expect(await chooseSplit(choice)).toEqual({
      split: false,
      reason: 'its bookmark continues',
    });
    expect(choice.counted()).toBe(0);
  });

  it('splits a new stream when one round covers every partner', async () => {
    const choice = await chooseSplit(options());

    expect(choice.split).toBe(true);
    expect(choice.reason).toBe('its 4 partners fit in one round of 4 requests');
  });

  it('reads a new stream of more partners as one list', async () => {
    const choice = await chooseSplit(options({ countPartners: async () => 5 }));

    expect(choice.split).toBe(false);
    expect(choice.reason).toBe(
      'one bookmark per partner would cost 5 requests on every run, more than 4 in flight',
    );
  });
});
